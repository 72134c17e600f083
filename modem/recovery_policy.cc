#include "modem/recovery_policy.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::modem {

RecoveryPolicy::RecoveryPolicy(RecoverySettings settings, std::function<double()> uniform01)
    : settings_(settings), uniform01_(std::move(uniform01)) {}

std::chrono::milliseconds RecoveryPolicy::Jittered(double base_ms) const {
  double max_ms = static_cast<double>(settings_.backoff_max.count());
  double jitter = std::clamp(settings_.backoff_jitter, 0.0, 1.0);
  double u = std::clamp(uniform01_ ? uniform01_() : 0.5, 0.0, 1.0);
  double scaled = std::min(base_ms, max_ms) * (1.0 - jitter + 2.0 * jitter * u);
  scaled = std::clamp(scaled, 0.0, max_ms);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(scaled)));
}

RecoveryPolicy::Decision RecoveryPolicy::OnFailure(SteadyTime now, bool escalatable) {
  ++consecutive_failures_;
  if (escalatable) {
    escalatable_failures_.push_back(now);
    while (!escalatable_failures_.empty() && now - escalatable_failures_.front() > settings_.escalation_window) {
      escalatable_failures_.pop_front();
    }
    if (settings_.attempts_before_escalation > 0 &&
        escalatable_failures_.size() >= settings_.attempts_before_escalation) {
      escalatable_failures_.clear();
      Action action = escalation_level_ == 0 ? Action::kCycle : Action::kReset;
      ++escalation_level_;
      return Decision{action, std::chrono::milliseconds(0)};
    }
  }
  // initial * multiplier^(n-1), computed in double and capped before it can overflow.
  double base = static_cast<double>(settings_.backoff_initial.count());
  double multiplier = std::max(1.0, settings_.backoff_multiplier);
  double max_ms = static_cast<double>(settings_.backoff_max.count());
  for (uint32_t i = 1; i < consecutive_failures_ && base < max_ms; ++i) base *= multiplier;
  return Decision{Action::kRetry, Jittered(base)};
}

std::chrono::milliseconds RecoveryPolicy::DelayAfterDrop() {
  return Jittered(static_cast<double>(settings_.backoff_initial.count()));
}

void RecoveryPolicy::OnSuccess() {
  consecutive_failures_ = 0;
  escalation_level_ = 0;
  escalatable_failures_.clear();
}

}  // namespace uplinkd::modem
