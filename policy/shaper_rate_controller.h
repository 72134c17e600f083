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
//
// The capacity estimate (like TCP's ssthresh): growing straight back to where the queue formed
// only rebuilds it, so every cut for delay remembers the highest rate in force over the last
// kBloatLookback (the windowed RTT lags the rate that caused it). Below kSafeFraction of it the
// rate grows in the usual steps; above, by kSlowStep x upload_kbit at most every kSlowInterval,
// and never to the estimate itself. Within kSettle of a cut another cut needs a delay not
// clearly falling (the lagging window would otherwise cut far below the capacity). After
// kRelaxAfter without a cut the estimate rises by kSlowStep x upload_kbit, doubling each time
// (a capacity that grew is found again in minutes), and is dropped a step over upload_kbit.
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

#include "base/scheduler.h"
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
  static constexpr double kSafeFraction = 0.9;
  // Not under kMinChange: a smaller step would never be taken.
  static constexpr double kSlowStep = 0.02;
  static constexpr std::chrono::seconds kSlowInterval{10};
  static constexpr std::chrono::seconds kBloatLookback{5};
  static constexpr std::chrono::seconds kSettle{10};
  static constexpr std::chrono::seconds kRelaxAfter{120};

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
  // The rate at which a standing queue was last seen (relaxed upward over time); none before the
  // first cut for delay and once relaxed past upload_kbit.
  std::optional<uint32_t> capacity_estimate_kbit() const { return bloat_rate_; }

 private:
  uint32_t SlowStep() const;
  void Relax(SteadyTime now);
  void RememberBloat(SteadyTime now, double delay);

  WanShaping shaping_;
  uint32_t rate_kbit_;
  std::optional<double> baseline_ms_;
  std::optional<double> delay_ms_;
  std::optional<SteadyTime> last_sample_;
  std::optional<SteadyTime> last_change_;
  // Rates replaced within kBloatLookback, with when they were replaced.
  std::deque<std::pair<SteadyTime, uint32_t>> replaced_;
  std::optional<uint32_t> bloat_rate_;
  SteadyTime bloat_since_{};  // the last cut for delay or relaxation
  uint32_t relaxations_ = 0;  // since the last cut
  std::optional<SteadyTime> last_cut_;
  double last_cut_delay_ = 0.0;
};

}  // namespace uplinkd::policy
