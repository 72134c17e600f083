#include "policy/shaper_rate_controller.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::policy {

ShaperRateController::ShaperRateController(const WanShaping& shaping)
    : shaping_(shaping), rate_kbit_(shaping.upload_kbit) {}

uint32_t ShaperRateController::SlowStep() const {
  // Rounded up so that it is never under kMinChange of a rate at or below upload_kbit.
  return std::max<uint32_t>(1, static_cast<uint32_t>(std::ceil(kSlowStep * shaping_.upload_kbit)));
}

void ShaperRateController::Relax(SteadyTime now) {
  if (!bloat_rate_ || now - bloat_since_ < kRelaxAfter) return;
  uint64_t raised = uint64_t{SlowStep()} << std::min<uint32_t>(relaxations_, 16);
  uint64_t next = *bloat_rate_ + raised;
  ++relaxations_;
  bloat_since_ = now;
  if (next > uint64_t{shaping_.upload_kbit} + SlowStep()) {
    bloat_rate_.reset();
  } else {
    bloat_rate_ = static_cast<uint32_t>(next);
  }
}

void ShaperRateController::RememberBloat(SteadyTime now, double delay) {
  // The newest measurement wins, lower or higher: the capacity moves.
  uint32_t seen = rate_kbit_;
  for (const auto& [when, rate] : replaced_) seen = std::max(seen, rate);
  bloat_rate_ = seen;
  bloat_since_ = now;
  relaxations_ = 0;
  last_cut_ = now;
  last_cut_delay_ = delay;
}

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
  while (!replaced_.empty() && now - replaced_.front().first > kBloatLookback) replaced_.pop_front();
  Relax(now);

  if (last_change_ && now - *last_change_ < kMinInterval) return false;
  double rate = rate_kbit_;
  double target = rate;
  bool paced = false;
  bool settling = last_cut_ && now - *last_cut_ < kSettle && *delay_ms_ < last_cut_delay_ - threshold / 4;
  if (*delay_ms_ > threshold) {
    // Just over the threshold is a small cut (often under kMinChange: no churn), far over a big one.
    double cut = std::min(kMaxDecrease, kMaxDecrease * (*delay_ms_ - threshold) / threshold);
    if (!settling) target = std::max<double>(shaping_.min_kbit, rate * (1.0 - cut));
  } else if (*delay_ms_ < threshold / 2 && loss < kNoIncreaseLoss) {
    target = std::min<double>(shaping_.upload_kbit, rate + kIncreaseStep * shaping_.upload_kbit);
    if (bloat_rate_) {
      double safe = kSafeFraction * *bloat_rate_;
      double fast = std::min(target, safe);
      if (fast - rate >= kMinChange * rate) {
        target = fast;
      } else {
        // Near the capacity: creep, and stay a step under where the queue formed.
        double ceiling = std::min<double>(shaping_.upload_kbit, static_cast<double>(*bloat_rate_) - SlowStep());
        target = std::max(rate, std::min(rate + SlowStep(), ceiling));
        paced = true;
      }
    }
  }
  auto next = static_cast<uint32_t>(std::lround(target));
  next = std::clamp(next, shaping_.min_kbit, shaping_.upload_kbit);
  if (next == rate_kbit_) return false;
  if (paced && last_change_ && now - *last_change_ < kSlowInterval) return false;
  bool at_bound = next == shaping_.min_kbit || next == shaping_.upload_kbit;
  if (!at_bound && std::abs(static_cast<double>(next) - rate) < kMinChange * rate) return false;
  if (next < rate_kbit_) RememberBloat(now, *delay_ms_);
  replaced_.emplace_back(now, rate_kbit_);
  rate_kbit_ = next;
  last_change_ = now;
  return true;
}

}  // namespace uplinkd::policy
