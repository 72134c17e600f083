#pragma once
#include <boost/asio/io_context.hpp>

#include "base/scheduler.h"

namespace uplinkd {

// Scheduler on a Boost.Asio io_context and the steady clock.
class AsioScheduler : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::io_context& io) : io_(io) {}
  SteadyTime Now() const override;
  TimerHandle RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace uplinkd
