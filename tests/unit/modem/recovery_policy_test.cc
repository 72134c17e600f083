#include "modem/recovery_policy.h"

#include <random>

#include <gtest/gtest.h>

namespace uplinkd::modem {
namespace {

using std::chrono::milliseconds;

RecoverySettings Settings() {
  RecoverySettings settings;
  settings.backoff_initial = milliseconds(1000);
  settings.backoff_max = milliseconds(10000);
  settings.backoff_multiplier = 2.0;
  settings.backoff_jitter = 0.2;
  settings.attempts_before_escalation = 3;
  settings.escalation_window = std::chrono::minutes(10);
  return settings;
}

SteadyTime At(int seconds) { return SteadyTime(std::chrono::seconds(3600 + seconds)); }

TEST(RecoveryPolicyTest, DelaysGrowExponentiallyUpToTheBound) {
  RecoveryPolicy policy(Settings(), [] { return 0.5; });  // 0.5: jitter factor exactly 1
  std::vector<int64_t> delays;
  for (int i = 0; i < 7; ++i) {
    auto decision = policy.OnFailure(At(i), /*escalatable=*/false);
    ASSERT_EQ(decision.action, RecoveryPolicy::Action::kRetry);
    delays.push_back(decision.delay.count());
  }
  EXPECT_EQ(delays, (std::vector<int64_t>{1000, 2000, 4000, 8000, 10000, 10000, 10000}));
}

TEST(RecoveryPolicyTest, JitterStaysWithinItsBandAndNeverAboveTheMaximum) {
  std::mt19937 generator(42);
  std::uniform_real_distribution<double> distribution(0.0, 1.0);
  RecoveryPolicy policy(Settings(), [&] { return distribution(generator); });
  double base = 1000;
  bool saw_low = false, saw_high = false;
  for (int i = 0; i < 200; ++i) {
    auto decision = policy.OnFailure(At(i), false);
    double expected = std::min(base, 10000.0);
    double delay = static_cast<double>(decision.delay.count());
    EXPECT_GE(delay, 0.8 * expected - 1) << "failure " << i;
    EXPECT_LE(delay, std::min(1.2 * expected, 10000.0) + 1) << "failure " << i;
    EXPECT_LE(decision.delay, milliseconds(10000));
    if (i >= 5 && delay < 9000) saw_low = true;
    if (i < 3 && delay > expected * 1.05) saw_high = true;
    base *= 2;
  }
  EXPECT_TRUE(saw_low);  // the jitter really varies the delay
  EXPECT_TRUE(saw_high);
}

TEST(RecoveryPolicyTest, ExtremeRandomValuesGiveTheEdgesOfTheBand) {
  RecoveryPolicy low(Settings(), [] { return 0.0; });
  EXPECT_EQ(low.OnFailure(At(0), false).delay, milliseconds(800));
  RecoveryPolicy high(Settings(), [] { return 0.999999; });
  EXPECT_EQ(high.OnFailure(At(0), false).delay, milliseconds(1200));
  EXPECT_EQ(high.DelayAfterDrop(), milliseconds(1200));
}

TEST(RecoveryPolicyTest, EscalatesToCycleThenResetAfterNFailuresInTheWindow) {
  RecoveryPolicy policy(Settings(), [] { return 0.5; });
  EXPECT_EQ(policy.OnFailure(At(0), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(10), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(20), true).action, RecoveryPolicy::Action::kCycle);
  EXPECT_EQ(policy.OnFailure(At(30), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(40), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(50), true).action, RecoveryPolicy::Action::kReset);
  EXPECT_EQ(policy.OnFailure(At(60), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(70), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(80), true).action, RecoveryPolicy::Action::kReset);
}

TEST(RecoveryPolicyTest, FailuresOutsideTheWindowDoNotEscalate) {
  RecoveryPolicy policy(Settings(), [] { return 0.5; });
  // Three failures, but never three within ten minutes.
  EXPECT_EQ(policy.OnFailure(At(0), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(400), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(700), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(1100), true).action, RecoveryPolicy::Action::kRetry);
  EXPECT_EQ(policy.OnFailure(At(1150), true).action, RecoveryPolicy::Action::kCycle);
}

TEST(RecoveryPolicyTest, NonEscalatableFailuresNeverEscalate) {
  RecoveryPolicy policy(Settings(), [] { return 0.5; });
  for (int i = 0; i < 50; ++i) EXPECT_EQ(policy.OnFailure(At(i), false).action, RecoveryPolicy::Action::kRetry);
}

TEST(RecoveryPolicyTest, SuccessForgetsFailuresAndEscalationLevel) {
  RecoveryPolicy policy(Settings(), [] { return 0.5; });
  for (int i = 0; i < 3; ++i) policy.OnFailure(At(i), true);  // cycle
  EXPECT_EQ(policy.escalation_level(), 1u);
  policy.OnSuccess();
  EXPECT_EQ(policy.consecutive_failures(), 0u);
  EXPECT_EQ(policy.OnFailure(At(10), true).delay, milliseconds(1000));
  policy.OnFailure(At(11), true);
  EXPECT_EQ(policy.OnFailure(At(12), true).action, RecoveryPolicy::Action::kCycle);  // cycle again, not reset
}

}  // namespace
}  // namespace uplinkd::modem
