#pragma once
// The rate of one Wan's shaper, following measured conditions instead of a fixed number (the
// idea of LTE-aware shapers such as cake-autorate): a cellular uplink's capacity moves all the
// time, and a shaper set above it lets the modem's queue, not uplinkd's lanes, decide who waits.
// Pure: fed with health samples and the time, no clock reads.
//
//   baseline  the RTT of an empty path: follows a lower sample at once and a higher one slowly
//             (time constant kBaselineRise; kBaselineRiseQueued while the sample counts as
//             queueing), so a route change is learnt in minutes but a standing queue is not
//   delay     the sample's RTT over the baseline
//   delay > delay_threshold            rate cut by a share growing with the excess, up to
//                                       kMaxDecrease at twice the threshold, never below min_kbit
//   delay < delay_threshold / 2        rate + kIncreaseStep x upload_kbit, never above it
//                                       (not while loss >= kNoIncreaseLoss: a path losing that
//                                       much is no place to push harder)
//   in between, or no RTT              hold
// A change happens at most every kMinInterval and only if it moves the rate by kMinChange or
// more (or reaches a bound). Not adaptive: the rate is upload_kbit, always.
#include <chrono>
#include <cstdint>
#include <optional>

#include "daemon/core/scheduler.h"
#include "policy/policy_config.h"

namespace uplinkd::policy {

class ShaperRateController {
 public:
  static constexpr double kMaxDecrease = 0.2;
  static constexpr double kIncreaseStep = 0.05;
  static constexpr double kMinChange = 0.02;
  static constexpr double kNoIncreaseLoss = 0.2;
  static constexpr std::chrono::milliseconds kMinInterval{500};
  static constexpr std::chrono::seconds kBaselineRise{60};
  static constexpr std::chrono::seconds kBaselineRiseQueued{600};

  explicit ShaperRateController(const WanShaping& shaping);

  // One health sample (the windowed RTT under whatever load there is, and the windowed loss).
  // Returns true when the rate changed.
  bool OnSample(SteadyTime now, std::optional<double> rtt_ms, double loss);

  uint32_t rate_kbit() const { return rate_kbit_; }
  bool at_min() const { return shaping_.adaptive && rate_kbit_ <= shaping_.min_kbit; }
  std::optional<double> baseline_ms() const { return baseline_ms_; }
  // The last sample's RTT over the baseline it was measured against.
  std::optional<double> delay_ms() const { return delay_ms_; }
  const WanShaping& shaping() const { return shaping_; }

 private:
  WanShaping shaping_;
  uint32_t rate_kbit_;
  std::optional<double> baseline_ms_;
  std::optional<double> delay_ms_;
  std::optional<SteadyTime> last_sample_;
  std::optional<SteadyTime> last_change_;
};

}  // namespace uplinkd::policy
