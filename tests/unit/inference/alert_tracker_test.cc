#include "inference/alert_tracker.h"

#include <cmath>

#include <gtest/gtest.h>

namespace uplinkd::inference {
namespace {

AlertPolicy Policy() {
  AlertPolicy policy;
  policy.k = 3;
  policy.n = 5;
  policy.clear_windows = 4;
  policy.max_events_per_minute = 60.0;
  policy.burst = 2.0;
  return policy;
}

TEST(AlertTrackerTest, RaisesOnlyAtKOfN) {
  AlertTracker tracker(Policy());
  double t = 0;
  EXPECT_FALSE(tracker.Observe(t += 1, 1.5, 1.0));
  EXPECT_FALSE(tracker.Observe(t += 1, 0.5, 1.0));
  EXPECT_FALSE(tracker.Observe(t += 1, 1.5, 1.0));
  auto decision = tracker.Observe(t += 1, 1.2, 1.0);  // third of the last four
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->state, AlertState::kRaised);
  EXPECT_EQ(decision->severity, AlertSeverity::kWarning);
  EXPECT_TRUE(tracker.active());
}

TEST(AlertTrackerTest, IsolatedSpikesNeverRaise) {
  AlertTracker tracker(Policy());
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(tracker.Observe(i, i % 3 == 0 ? 10.0 : 0.1, 1.0));
}

TEST(AlertTrackerTest, EscalatesThenClearsAfterQuietWindows) {
  AlertTracker tracker(Policy());
  double t = 0;
  for (int i = 0; i < 3; ++i) tracker.Observe(t += 1, 1.5, 1.0);
  EXPECT_EQ(tracker.reported_severity(), AlertSeverity::kWarning);
  std::optional<AlertTracker::Decision> decision;
  for (int i = 0; i < 3; ++i) decision = tracker.Observe(t += 100, 5.0, 1.0);  // critical ratio 4
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->state, AlertState::kEscalated);
  EXPECT_EQ(decision->severity, AlertSeverity::kCritical);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(tracker.Observe(t += 1, 0.5, 1.0));
  decision = tracker.Observe(t += 1, 0.5, 1.0);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->state, AlertState::kCleared);
  EXPECT_EQ(decision->severity, AlertSeverity::kCritical);
  EXPECT_FALSE(tracker.active());
}

TEST(AlertTrackerTest, RateLimitSuppressesRaisesAndTheirClears) {
  AlertPolicy policy = Policy();
  policy.max_events_per_minute = 1.0;
  policy.burst = 1.0;
  AlertTracker tracker(policy);
  double t = 0;
  int raised = 0, cleared = 0;
  // Ten alert episodes within ten seconds: only the first gets a token.
  for (int episode = 0; episode < 10; ++episode) {
    for (int i = 0; i < 3; ++i) {
      if (auto d = tracker.Observe(t += 0.1, 2.0, 1.0)) raised += d->state == AlertState::kRaised;
    }
    for (int i = 0; i < 4; ++i) {
      if (auto d = tracker.Observe(t += 0.1, 0.1, 1.0)) cleared += d->state == AlertState::kCleared;
    }
  }
  EXPECT_EQ(raised, 1);
  EXPECT_EQ(cleared, 1);
  EXPECT_EQ(tracker.stats().suppressed, 9u);
  // A minute later the bucket has a token again.
  for (int i = 0; i < 3; ++i) tracker.Observe(t += 60, 2.0, 1.0);
  EXPECT_EQ(tracker.stats().raised, 2u);
}

TEST(AlertTrackerTest, NanScoreCountsAsAbnormal) {
  AlertTracker tracker(Policy());
  std::optional<AlertTracker::Decision> decision;
  for (int i = 0; i < 3; ++i) decision = tracker.Observe(i, std::nan(""), 1.0);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->severity, AlertSeverity::kCritical);
}

}  // namespace
}  // namespace uplinkd::inference
