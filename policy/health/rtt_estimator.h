#pragma once
// Per-Wan round-trip estimates for two decisions: how long to wait before calling a probe lost
// (TCP's retransmission timeout, RFC 6298: smoothed RTT + 4 x RTT variation, but at least
// 1.5 x the smoothed RTT, clamped to the configured bounds), and the
// Wan's own baseline RTT, against which inflation makes it degraded (follows a lower RTT at once,
// a higher one only over minutes, so a congested hour does not become the new normal).
#include <chrono>
#include <optional>

namespace uplinkd::policy {

class RttEstimator {
 public:
  RttEstimator(std::chrono::milliseconds timeout_min, std::chrono::milliseconds timeout_max)
      : timeout_min_(timeout_min), timeout_max_(timeout_max) {}

  void Add(std::chrono::microseconds rtt);

  // timeout_max before the first sample.
  std::chrono::milliseconds Timeout() const;
  std::optional<double> BaselineMs() const { return baseline_ms_; }
  std::optional<double> SmoothedMs() const { return srtt_ms_; }

  // How far the baseline moves towards a higher sample: with 2-3 probes a second, minutes.
  static constexpr double kBaselineRiseGain = 1.0 / 512;

 private:
  std::chrono::milliseconds timeout_min_;
  std::chrono::milliseconds timeout_max_;
  std::optional<double> srtt_ms_;
  double rttvar_ms_ = 0;
  std::optional<double> baseline_ms_;
};

}  // namespace uplinkd::policy
