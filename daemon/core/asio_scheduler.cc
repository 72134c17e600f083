#include "daemon/core/asio_scheduler.h"

#include <boost/asio/steady_timer.hpp>

namespace uplinkd {

SteadyTime AsioScheduler::Now() const { return std::chrono::steady_clock::now(); }

TimerHandle AsioScheduler::RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) {
  auto timer = std::make_shared<boost::asio::steady_timer>(io_, delay);
  // The weak pointer lets a handle outlive its fired timer harmlessly.
  std::weak_ptr<boost::asio::steady_timer> weak = timer;
  timer->async_wait([timer, callback = std::move(callback)](const boost::system::error_code& error) {
    if (!error) callback();
  });
  return TimerHandle([weak] {
    if (auto alive = weak.lock()) alive->cancel();
  });
}

}  // namespace uplinkd
