#include "policy/health/rtt_estimator.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::policy {

void RttEstimator::Add(std::chrono::microseconds rtt) {
  double sample = static_cast<double>(rtt.count()) / 1000.0;
  if (!srtt_ms_) {
    srtt_ms_ = sample;
    rttvar_ms_ = sample / 2;
  } else {
    rttvar_ms_ = 0.75 * rttvar_ms_ + 0.25 * std::fabs(*srtt_ms_ - sample);
    srtt_ms_ = 0.875 * *srtt_ms_ + 0.125 * sample;
  }
  if (!baseline_ms_ || sample < *baseline_ms_) {
    baseline_ms_ = sample;
  } else {
    *baseline_ms_ += (sample - *baseline_ms_) * kBaselineRiseGain;
  }
}

std::chrono::milliseconds RttEstimator::Timeout() const {
  if (!srtt_ms_) return timeout_max_;
  // A steady path has almost no variation; 1.5 x srtt keeps a small rise from counting as loss.
  double rto_ms = std::max(*srtt_ms_ + 4 * rttvar_ms_, 1.5 * *srtt_ms_);
  auto rto = std::chrono::milliseconds(static_cast<int64_t>(std::ceil(rto_ms)));
  return std::clamp(rto, timeout_min_, timeout_max_);
}

}  // namespace uplinkd::policy
