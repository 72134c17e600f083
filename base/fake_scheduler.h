#pragma once
#include <map>
#include <memory>

#include "base/scheduler.h"

namespace uplinkd {

// A scheduler whose clock moves only when a test calls AdvanceBy(); timers fire in order of
// their due time (ties in order of creation), each seeing Now() equal to its due time.
class FakeScheduler : public Scheduler {
 public:
  SteadyTime Now() const override { return now_; }
  TimerHandle RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) override;

  void AdvanceBy(std::chrono::milliseconds delta);
  // Advances to the next due timer and fires it; false when none is pending.
  bool RunNext();
  size_t pending() const { return timers_.size(); }

 private:
  using Key = std::pair<SteadyTime, uint64_t>;
  SteadyTime now_{std::chrono::hours(1)};
  uint64_t sequence_ = 0;
  std::map<Key, std::function<void()>> timers_;
};

}  // namespace uplinkd
