#include <gtest/gtest.h>

#include "policy/health/probe_budget.h"
#include "policy/health/probe_window.h"
#include "policy/health/rtt_estimator.h"

namespace uplinkd::policy {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

TEST(ProbeWindowTest, MeanJitterAndLossOverTheLastN) {
  ProbeWindow window(4);
  EXPECT_FALSE(window.MeanRttMs());
  EXPECT_EQ(window.Loss(), 0.0);
  window.AddAnswered(milliseconds(10));
  EXPECT_FALSE(window.JitterMs());
  window.AddAnswered(milliseconds(20));
  window.AddLost();
  window.AddAnswered(milliseconds(14));
  EXPECT_DOUBLE_EQ(*window.MeanRttMs(), 44.0 / 3);
  EXPECT_DOUBLE_EQ(*window.JitterMs(), (10.0 + 6.0) / 2);  // lost probes are skipped
  EXPECT_DOUBLE_EQ(window.Loss(), 0.25);
  // The oldest falls out.
  window.AddLost();
  EXPECT_EQ(window.count(), 4u);
  EXPECT_DOUBLE_EQ(window.Loss(), 0.5);
  EXPECT_DOUBLE_EQ(*window.MeanRttMs(), 17.0);
  window.AddLost();
  window.AddLost();
  window.AddLost();
  EXPECT_FALSE(window.MeanRttMs());
  EXPECT_DOUBLE_EQ(window.Loss(), 1.0);
}

TEST(RttEstimatorTest, TimeoutFollowsTcpRtoWithinBounds) {
  RttEstimator rtt(milliseconds(100), milliseconds(1000));
  EXPECT_EQ(rtt.Timeout(), milliseconds(1000));  // nothing known yet
  rtt.Add(milliseconds(20));
  // srtt 20, rttvar 10: 60, raised to the floor.
  EXPECT_EQ(rtt.Timeout(), milliseconds(100));
  for (int i = 0; i < 50; ++i) rtt.Add(milliseconds(80));
  // srtt near 80, rttvar near 0: 1.5 x srtt.
  EXPECT_EQ(rtt.Timeout(), milliseconds(120));
  rtt.Add(milliseconds(400));  // a queue fills up: variation jumps
  EXPECT_GT(rtt.Timeout(), milliseconds(300));
  for (int i = 0; i < 5; ++i) rtt.Add(milliseconds(5000));
  EXPECT_EQ(rtt.Timeout(), milliseconds(1000));
}

TEST(RttEstimatorTest, BaselineFallsAtOnceAndRisesSlowly) {
  RttEstimator rtt(milliseconds(100), milliseconds(1000));
  rtt.Add(milliseconds(50));
  rtt.Add(milliseconds(30));
  EXPECT_DOUBLE_EQ(*rtt.BaselineMs(), 30.0);
  // A hundred probes at 300 ms (45 s of steady probing) move it only a fifth of the way.
  for (int i = 0; i < 100; ++i) rtt.Add(milliseconds(300));
  EXPECT_LT(*rtt.BaselineMs(), 80.0);
  EXPECT_GT(*rtt.BaselineMs(), 30.0);
}

TEST(ProbeBudgetTest, RefillsAtTheHourlyRateUpToAMinutesWorth) {
  SteadyTime start{std::chrono::hours(1)};
  ProbeBudget budget(360000, start);  // 100 bytes a second, 6000 at most
  EXPECT_EQ(budget.capacity(), 6000u);
  EXPECT_TRUE(budget.TryCharge(6000, start));
  EXPECT_FALSE(budget.TryCharge(1, start));
  EXPECT_FALSE(budget.TryCharge(101, start + milliseconds(1000)));
  EXPECT_TRUE(budget.TryCharge(100, start + milliseconds(1000)));
  // Never more than the capacity, however long it rests.
  EXPECT_DOUBLE_EQ(budget.available(start + std::chrono::hours(5)), 6000.0);
}

TEST(ProbeBudgetTest, AnHourSpendsAtMostTheCapPlusTheBurst) {
  SteadyTime now{std::chrono::hours(1)};
  uint64_t cap = 500 * 1024;
  ProbeBudget budget(cap, now);
  uint64_t spent = 0;
  // A greedy prober asking for 56 bytes every 10 ms for an hour.
  for (int i = 0; i < 360000; ++i) {
    if (budget.TryCharge(56, now)) spent += 56;
    now += milliseconds(10);
  }
  EXPECT_LE(spent, cap + budget.capacity());
  EXPECT_GE(spent, cap - 56);
}

}  // namespace
}  // namespace uplinkd::policy
