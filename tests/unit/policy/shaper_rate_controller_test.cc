// ShaperRateController: the rate falls when RTT rises over the baseline, climbs back when delay is
// low, stays within [min_kbit, upload_kbit], changes at most every 500 ms and never by < 2%.
#include "policy/shaper_rate_controller.h"

#include <gtest/gtest.h>

#include <cmath>

namespace uplinkd::policy {
namespace {

using namespace std::chrono_literals;

WanShaping Shaping(uint32_t upload = 1000, uint32_t min = 250) {
  WanShaping shaping;
  shaping.upload_kbit = upload;
  shaping.min_kbit = min;
  shaping.delay_threshold = 30ms;
  return shaping;
}

SteadyTime At(std::chrono::milliseconds offset) { return SteadyTime{} + 1h + offset; }

TEST(ShaperRateControllerTest, StartsAtUploadAndHoldsWithoutQueueing) {
  ShaperRateController shaper(Shaping());
  EXPECT_EQ(shaper.rate_kbit(), 1000u);
  EXPECT_FALSE(shaper.OnSample(At(0ms), 50.0, 0.0));  // first sample: the baseline
  EXPECT_EQ(shaper.baseline_ms(), 50.0);
  EXPECT_EQ(shaper.delay_ms(), 0.0);
  EXPECT_FALSE(shaper.OnSample(At(1000ms), 55.0, 0.0));  // low delay, already at upload
  EXPECT_EQ(shaper.rate_kbit(), 1000u);
  EXPECT_FALSE(shaper.at_min());
}

TEST(ShaperRateControllerTest, DecreasesMultiplicativelyDownToMin) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 50.0, 0.0);
  std::vector<uint32_t> rates;
  for (int i = 1; i <= 10; ++i) {
    shaper.OnSample(At(i * 1000ms), 200.0, 0.0);  // 150 ms over the baseline: queueing
    rates.push_back(shaper.rate_kbit());
  }
  std::vector<uint32_t> expected = {800, 640, 512, 410, 328, 262, 250, 250, 250, 250};
  EXPECT_EQ(rates, expected);
  EXPECT_TRUE(shaper.at_min());
}

TEST(ShaperRateControllerTest, IncreasesSlowlyBackToUpload) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 50.0, 0.0);
  for (int i = 1; i <= 6; ++i) shaper.OnSample(At(i * 1000ms), 300.0, 0.0);
  ASSERT_EQ(shaper.rate_kbit(), 262u);
  // Delay under half the threshold: +5% of upload (50 kbit/s) per change.
  EXPECT_TRUE(shaper.OnSample(At(7000ms), 50.0, 0.0));
  EXPECT_EQ(shaper.rate_kbit(), 312u);
  int steps = 1;
  while (shaper.rate_kbit() < 1000u && steps < 100) {
    shaper.OnSample(At(7000ms + steps * 1000ms), 50.0, 0.0);
    ++steps;
  }
  EXPECT_EQ(shaper.rate_kbit(), 1000u);
  EXPECT_EQ(steps, 15);  // 312 -> 1000 in 50 kbit/s steps, the last one capped
}

TEST(ShaperRateControllerTest, HoldsBetweenHalfAndFullThresholdAndWithoutRtt) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 50.0, 0.0);
  shaper.OnSample(At(1000ms), 200.0, 0.0);
  ASSERT_EQ(shaper.rate_kbit(), 800u);
  EXPECT_FALSE(shaper.OnSample(At(2000ms), 70.0, 0.0));  // 20 ms over: between 15 and 30
  EXPECT_FALSE(shaper.OnSample(At(3000ms), std::nullopt, 1.0));
  EXPECT_EQ(shaper.rate_kbit(), 800u);
}

TEST(ShaperRateControllerTest, NoIncreaseWhileLossIsHigh) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 50.0, 0.0);
  shaper.OnSample(At(1000ms), 200.0, 0.0);
  ASSERT_EQ(shaper.rate_kbit(), 800u);
  EXPECT_FALSE(shaper.OnSample(At(2000ms), 50.0, 0.25));
  EXPECT_EQ(shaper.rate_kbit(), 800u);
  EXPECT_TRUE(shaper.OnSample(At(3000ms), 50.0, 0.19));
  EXPECT_EQ(shaper.rate_kbit(), 850u);
}

TEST(ShaperRateControllerTest, AtMostOneChangePer500Ms) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 50.0, 0.0);
  EXPECT_TRUE(shaper.OnSample(At(100ms), 200.0, 0.0));
  EXPECT_EQ(shaper.rate_kbit(), 800u);
  EXPECT_FALSE(shaper.OnSample(At(300ms), 200.0, 0.0));
  EXPECT_FALSE(shaper.OnSample(At(599ms), 200.0, 0.0));
  EXPECT_EQ(shaper.rate_kbit(), 800u);
  EXPECT_TRUE(shaper.OnSample(At(600ms), 200.0, 0.0));
  EXPECT_EQ(shaper.rate_kbit(), 640u);
}

TEST(ShaperRateControllerTest, StepsUnderTwoPercentAreTakenWhenTheyReachABound) {
  // Near min: a decrease that would land under min is clamped to min even if tiny.
  WanShaping near_min = Shaping(1000, 990);
  ShaperRateController tight(near_min);
  tight.OnSample(At(0ms), 50.0, 0.0);
  EXPECT_TRUE(tight.OnSample(At(1000ms), 200.0, 0.0));  // 1%: reaches min
  EXPECT_EQ(tight.rate_kbit(), 990u);
  EXPECT_TRUE(tight.at_min());
  // From 990 an increase to 1000 is 1%: allowed, it reaches upload.
  EXPECT_TRUE(tight.OnSample(At(2000ms), 50.0, 0.0));
  EXPECT_EQ(tight.rate_kbit(), 1000u);
}

// The cut grows with the excess delay: just over the threshold it is under 2% and skipped.
TEST(ShaperRateControllerTest, CutGrowsWithExcessDelayAndTinyCutsAreSkipped) {
  auto after_one = [](double over_baseline) {
    ShaperRateController shaper(Shaping());
    shaper.OnSample(At(0ms), 50.0, 0.0);
    shaper.OnSample(At(1000ms), 50.0 + over_baseline, 0.0);
    return shaper.rate_kbit();
  };
  EXPECT_EQ(after_one(32.0), 1000u);  // 2 ms over the 30 ms threshold: a 1.3% cut, skipped
  EXPECT_EQ(after_one(36.0), 960u);   // 6 ms over: 4%
  EXPECT_EQ(after_one(45.0), 900u);   // 15 ms over: 10%
  EXPECT_EQ(after_one(60.0), 800u);   // 30 ms over: 20%, the most
  EXPECT_EQ(after_one(500.0), 800u);
}

TEST(ShaperRateControllerTest, BaselineFollowsDownAtOnceAndUpSlowly) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 80.0, 0.0);
  shaper.OnSample(At(1000ms), 40.0, 0.0);
  EXPECT_EQ(shaper.baseline_ms(), 40.0);
  // A sustained 10 ms rise (under the threshold) moves the baseline up by 1 - e^(-1/60) of the
  // gap per second: after 60 s about 63% of the way.
  for (int i = 2; i <= 61; ++i) shaper.OnSample(At(i * 1000ms), 50.0, 0.0);
  EXPECT_NEAR(*shaper.baseline_ms(), 40.0 + 10.0 * (1 - std::exp(-1.0)), 0.05);
}

// A standing queue (delay over the threshold) moves the baseline ten times slower, so the shaper
// does not talk itself out of it within a minute.
TEST(ShaperRateControllerTest, BaselineBarelyLearnsAStandingQueue) {
  ShaperRateController shaper(Shaping());
  shaper.OnSample(At(0ms), 40.0, 0.0);
  for (int i = 1; i <= 60; ++i) shaper.OnSample(At(i * 1000ms), 240.0, 0.0);
  EXPECT_NEAR(*shaper.baseline_ms(), 40.0 + 200.0 * (1 - std::exp(-0.1)), 0.5);
  EXPECT_TRUE(shaper.at_min());
}

TEST(ShaperRateControllerTest, NotAdaptiveStaysAtUpload) {
  WanShaping shaping = Shaping();
  shaping.adaptive = false;
  ShaperRateController shaper(shaping);
  EXPECT_FALSE(shaper.OnSample(At(0ms), 50.0, 0.0));
  for (int i = 1; i <= 5; ++i) EXPECT_FALSE(shaper.OnSample(At(i * 1000ms), 500.0, 0.5));
  EXPECT_EQ(shaper.rate_kbit(), 1000u);
  EXPECT_FALSE(shaper.at_min());
}

}  // namespace
}  // namespace uplinkd::policy
