#include "base/asio_scheduler.h"

#include <boost/asio/steady_timer.hpp>

namespace uplinkd {
namespace {

// The timer and whether its handle was cancelled. The flag matters when the timer has already
// expired and its completion is queued on the loop: asio's cancel() cannot stop that one.
struct PendingTimer {
  explicit PendingTimer(boost::asio::io_context& io, std::chrono::milliseconds delay) : timer(io, delay) {}
  boost::asio::steady_timer timer;
  bool cancelled = false;
};

}  // namespace

SteadyTime AsioScheduler::Now() const { return std::chrono::steady_clock::now(); }

TimerHandle AsioScheduler::RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) {
  auto pending = std::make_shared<PendingTimer>(io_, delay);
  // The weak pointer lets a handle outlive its fired timer harmlessly.
  std::weak_ptr<PendingTimer> weak = pending;
  pending->timer.async_wait([pending, callback = std::move(callback)](const boost::system::error_code& error) {
    if (!error && !pending->cancelled) callback();
  });
  return TimerHandle([weak] {
    if (auto alive = weak.lock()) {
      alive->cancelled = true;
      alive->timer.cancel();
    }
  });
}

}  // namespace uplinkd
