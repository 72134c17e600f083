#include "base/fake_scheduler.h"

namespace uplinkd {

TimerHandle FakeScheduler::RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) {
  Key key{now_ + delay, sequence_++};
  timers_.emplace(key, std::move(callback));
  return TimerHandle([this, key] { timers_.erase(key); });
}

void FakeScheduler::AdvanceBy(std::chrono::milliseconds delta) {
  SteadyTime target = now_ + delta;
  while (!timers_.empty() && timers_.begin()->first.first <= target) {
    auto node = timers_.extract(timers_.begin());
    now_ = node.key().first;
    node.mapped()();
  }
  now_ = target;
}

bool FakeScheduler::RunNext() {
  if (timers_.empty()) return false;
  auto node = timers_.extract(timers_.begin());
  now_ = node.key().first;
  node.mapped()();
  return true;
}

}  // namespace uplinkd
