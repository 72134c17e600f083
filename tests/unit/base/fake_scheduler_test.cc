#include "base/fake_scheduler.h"

#include <vector>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

using std::chrono::milliseconds;

TEST(FakeSchedulerTest, FiresInDueOrderAtDueTime) {
  FakeScheduler scheduler;
  SteadyTime start = scheduler.Now();
  std::vector<int> fired;
  std::vector<SteadyTime> seen;
  auto late = scheduler.RunAfter(milliseconds(300), [&] { fired.push_back(3); seen.push_back(scheduler.Now()); });
  auto early = scheduler.RunAfter(milliseconds(100), [&] { fired.push_back(1); seen.push_back(scheduler.Now()); });
  scheduler.AdvanceBy(milliseconds(200));
  EXPECT_EQ(fired, std::vector<int>{1});
  scheduler.AdvanceBy(milliseconds(200));
  EXPECT_EQ(fired, (std::vector<int>{1, 3}));
  EXPECT_EQ(seen[0] - start, milliseconds(100));
  EXPECT_EQ(seen[1] - start, milliseconds(300));
  EXPECT_EQ(scheduler.Now() - start, milliseconds(400));
}

TEST(FakeSchedulerTest, CancelledOrDroppedHandleNeverFires) {
  FakeScheduler scheduler;
  int fired = 0;
  auto kept = scheduler.RunAfter(milliseconds(10), [&] { ++fired; });
  {
    auto dropped = scheduler.RunAfter(milliseconds(10), [&] { fired += 100; });
  }
  kept.Cancel();
  EXPECT_FALSE(scheduler.RunNext());
  scheduler.AdvanceBy(milliseconds(50));
  EXPECT_EQ(fired, 0);
}

TEST(FakeSchedulerTest, TimerArmedFromCallbackRunsInSameAdvance) {
  FakeScheduler scheduler;
  int fired = 0;
  TimerHandle second;
  auto first = scheduler.RunAfter(milliseconds(10), [&] {
    ++fired;
    second = scheduler.RunAfter(milliseconds(10), [&] { ++fired; });
  });
  scheduler.AdvanceBy(milliseconds(25));
  EXPECT_EQ(fired, 2);
}

}  // namespace
}  // namespace uplinkd
