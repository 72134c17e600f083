#include "policy/shaper_rate_controller.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::policy {

ShaperRateController::ShaperRateController(const WanShaping& shaping)
    : shaping_(shaping), rate_kbit_(shaping.upload_kbit) {}

bool ShaperRateController::OnSample(SteadyTime now, std::optional<double> rtt_ms, double loss) {
  if (!shaping_.adaptive || !rtt_ms) return false;
  double rtt = *rtt_ms;
  if (!baseline_ms_) baseline_ms_ = rtt;
  // The delay is measured against the baseline as it was, before this sample moves it.
  delay_ms_ = std::max(0.0, rtt - *baseline_ms_);
  double threshold = static_cast<double>(shaping_.delay_threshold.count());
  if (rtt < *baseline_ms_) {
    baseline_ms_ = rtt;
  } else if (last_sample_) {
    double dt = std::chrono::duration<double>(now - *last_sample_).count();
    auto rise = *delay_ms_ > threshold ? kBaselineRiseQueued : kBaselineRise;
    double alpha = 1.0 - std::exp(-std::max(0.0, dt) / std::chrono::duration<double>(rise).count());
    *baseline_ms_ += alpha * (rtt - *baseline_ms_);
  }
  last_sample_ = now;

  if (last_change_ && now - *last_change_ < kMinInterval) return false;
  double rate = rate_kbit_;
  double target = rate;
  if (*delay_ms_ > threshold) {
    // Just over the threshold is a small cut (often under kMinChange: no churn), far over a big one.
    double cut = std::min(kMaxDecrease, kMaxDecrease * (*delay_ms_ - threshold) / threshold);
    target = std::max<double>(shaping_.min_kbit, rate * (1.0 - cut));
  } else if (*delay_ms_ < threshold / 2 && loss < kNoIncreaseLoss) {
    target = std::min<double>(shaping_.upload_kbit, rate + kIncreaseStep * shaping_.upload_kbit);
  }
  auto next = static_cast<uint32_t>(std::lround(target));
  next = std::clamp(next, shaping_.min_kbit, shaping_.upload_kbit);
  if (next == rate_kbit_) return false;
  bool at_bound = next == shaping_.min_kbit || next == shaping_.upload_kbit;
  if (!at_bound && std::abs(static_cast<double>(next) - rate) < kMinChange * rate) return false;
  rate_kbit_ = next;
  last_change_ = now;
  return true;
}

}  // namespace uplinkd::policy
