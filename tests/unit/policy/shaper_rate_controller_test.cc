// ShaperRateController: the rate falls when RTT rises over the baseline, climbs back when delay is
// low, stays within [min_kbit, upload_kbit], changes at most every 500 ms and never by < 2%; the
// capacity estimate keeps it just under where the queue formed (a simulated bottleneck below).
#include "policy/shaper_rate_controller.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

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

TEST(ShaperRateControllerTest, IncreasesFastToTheSafeShareThenCreepsUnderTheEstimate) {
  ShaperRateController shaper(Shaping());
  EXPECT_EQ(shaper.capacity_estimate_kbit(), std::nullopt);
  shaper.OnSample(At(0ms), 50.0, 0.0);
  for (int i = 1; i <= 6; ++i) shaper.OnSample(At(i * 1000ms), 300.0, 0.0);
  ASSERT_EQ(shaper.rate_kbit(), 262u);
  // The queue was first seen at 1000 (still within the 5 s lookback at the last cut).
  EXPECT_EQ(shaper.capacity_estimate_kbit(), 1000u);
  std::vector<uint32_t> changes;
  for (int i = 7; i <= 200; ++i) {
    if (shaper.OnSample(At(i * 1000ms), 50.0, 0.0)) changes.push_back(shaper.rate_kbit());
  }
  // +50 per sample up to 90% of the estimate, then +20 per 10 s up to a step under it; 120 s
  // after the cut the estimate relaxes to 1020 and the last step reaches upload.
  std::vector<uint32_t> expected = {312, 362, 412, 462, 512, 562, 612, 662, 712, 762, 812,
                                    862, 900, 920, 940, 960, 980, 1000};
  EXPECT_EQ(changes, expected);
  EXPECT_EQ(shaper.capacity_estimate_kbit(), 1020u);
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
  // The cut put the estimate at 1000: no growth to it until it relaxes 120 s later; then the
  // increase to 1000 is 1%: allowed, it reaches upload.
  EXPECT_FALSE(tight.OnSample(At(2000ms), 50.0, 0.0));
  EXPECT_FALSE(tight.OnSample(At(120000ms), 50.0, 0.0));
  EXPECT_TRUE(tight.OnSample(At(121000ms), 50.0, 0.0));
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

// A bottleneck of capacity(t) kbit/s behind a queue of at most 200 ms (the bench's tbf),
// saturated by bulk at the shaper's rate. The shaper counts IP bytes while the bottleneck also
// pays framing (2% here), so upload_kbit == capacity is a little over it, as in the bench. The
// controller sees what the health tracker reports: the mean of the last 9 one-second RTTs.
struct LinkRun {
  int seconds_over_threshold = 0;  // after the first minute
  std::vector<uint32_t> rates;     // per second
  std::vector<double> queue_ms;
};

LinkRun RunLink(const std::function<double(int)>& capacity, int seconds) {
  constexpr double kFraming = 1.02;
  constexpr double kBaseRtt = 40.0;
  constexpr size_t kWindow = 9;
  ShaperRateController shaper(Shaping());
  LinkRun run;
  double queue = 0.0;
  std::vector<double> window;
  for (int t = 0; t < seconds; ++t) {
    double c = capacity(t);
    queue = std::clamp(queue + (shaper.rate_kbit() * kFraming - c) / c * 1000.0, 0.0, 200.0);
    window.push_back(queue);
    if (window.size() > kWindow) window.erase(window.begin());
    double mean = 0.0;
    for (double q : window) mean += q;
    mean /= static_cast<double>(window.size());
    if (t >= 60 && queue > 30.0) ++run.seconds_over_threshold;
    run.rates.push_back(shaper.rate_kbit());
    run.queue_ms.push_back(queue);
    shaper.OnSample(At(t * 1000ms), kBaseRtt + mean, 0.0);
  }
  return run;
}

// The benchmark's failure: upload_kbit exactly at the bottleneck. Without the estimate the rate
// climbed straight back to 1000 after each cut and the queue stood over the threshold for 132 of
// the 540 s after the first minute (24%); with it, 12 s (2.2%).
TEST(ShaperRateControllerTest, SimulatedBottleneckAtUploadRarelyQueues) {
  LinkRun run = RunLink([](int) { return 1000.0; }, 600);
  EXPECT_LT(run.seconds_over_threshold, 27) << "5% of 540 s";
  // Not by starving the link: the mean rate stays near the 980 kbit/s it can carry.
  double sum = 0.0;
  for (int t = 60; t < 600; ++t) sum += run.rates[t];
  EXPECT_GT(sum / 540.0, 850.0);
}

TEST(ShaperRateControllerTest, SimulatedCapacityDropAndRiseAreFollowed) {
  auto capacity = [](int t) { return t < 200 || t >= 500 ? 1000.0 : 600.0; };
  LinkRun run = RunLink(capacity, 1100);
  // Within 100 s of the drop the rate is under the new capacity and the queue is gone.
  auto settled = std::find_if(run.rates.begin() + 200, run.rates.end(), [](uint32_t r) { return r * 1.02 < 600; });
  ASSERT_NE(settled, run.rates.end());
  EXPECT_LT(settled - run.rates.begin(), 300);
  int over = 0;
  for (int t = 300; t < 500; ++t) over += run.queue_ms[t] > 30.0;
  EXPECT_LT(over, 10);
  EXPECT_GT(run.rates[499], 500u);  // just under it, not at min
  // The estimate relaxes (doubling steps every 120 s) and the rate is back near 1000.
  auto back = std::find_if(run.rates.begin() + 500, run.rates.end(), [](uint32_t r) { return r >= 950; });
  ASSERT_NE(back, run.rates.end());
  EXPECT_LT(back - run.rates.begin(), 1100);
}

}  // namespace
}  // namespace uplinkd::policy
