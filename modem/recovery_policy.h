#pragma once
// When to try again after a modem failure, and when trying again is not enough. Pure: time comes
// in as an argument and randomness from an injected source, so every bound is unit-tested.
//
// - Delays grow exponentially from backoff_initial by backoff_multiplier up to backoff_max, each
//   scaled by a random factor in [1 - jitter, 1 + jitter] (so two modems, or a fleet of gateways
//   behind one cell, do not retry in lockstep) and never above backoff_max.
// - Failures that a modem restart could cure ("escalatable": timeouts, enable failures, no
//   registration) are counted in a sliding window; attempts_before_escalation of them within
//   escalation_window escalate: first a disable/enable cycle, every later time a Modem.Reset.
// - A success (the Wan came up) forgets all of it.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>

#include "base/scheduler.h"
#include "modem/modem_profile.h"

namespace uplinkd::modem {

class RecoveryPolicy {
 public:
  enum class Action { kRetry, kCycle, kReset };
  struct Decision {
    Action action = Action::kRetry;
    std::chrono::milliseconds delay{0};  // for kRetry: wait this long first
  };

  // `uniform01` returns a number in [0, 1).
  RecoveryPolicy(RecoverySettings settings, std::function<double()> uniform01);

  Decision OnFailure(SteadyTime now, bool escalatable);
  // The delay before reconnecting after a working connection dropped: the first back-off step.
  std::chrono::milliseconds DelayAfterDrop();
  void OnSuccess();

  uint32_t consecutive_failures() const { return consecutive_failures_; }
  uint32_t escalation_level() const { return escalation_level_; }

 private:
  std::chrono::milliseconds Jittered(double base_ms) const;

  RecoverySettings settings_;
  std::function<double()> uniform01_;
  uint32_t consecutive_failures_ = 0;
  uint32_t escalation_level_ = 0;  // 0: next escalation cycles, 1+: next escalation resets
  std::deque<SteadyTime> escalatable_failures_;
};

}  // namespace uplinkd::modem
