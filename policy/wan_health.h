#pragma once
// What health tracking tells the policy engine about one Wan. A plain value, published whole
// whenever it changes; the policy engine decides from these and the configuration alone.
#include <cstdint>
#include <optional>
#include <string>

#include "base/scheduler.h"

namespace uplinkd::policy {

enum class WanHealthState {
  kUnknown,  // not yet probed, or the Wan has no link/bearer to probe over
  kUp,       // confirmed healthy (after the configured number of good rounds)
  kSuspect,  // probes are failing or a modem signal says so; confirmation probes running
  kDown,     // confirmed down (probe failures, link down, bearer or registration lost)
};

struct WanHealth {
  std::string wan;  // the Wan's configured name
  WanHealthState state = WanHealthState::kUnknown;
  // Degraded: usable but poor (loss, RTT inflation, weak signal); alerts then get extra care.
  bool degraded = false;
  // Down, but its probes pass again (up_rounds good rounds in a row): only the hold after an
  // earlier failure keeps it Down. The engine lets it carry traffic when no other Wan can.
  bool answering = false;
  std::optional<double> rtt_ms;     // windowed mean of answered probes
  std::optional<double> jitter_ms;  // windowed mean absolute difference of successive RTTs
  double loss = 0.0;                // windowed fraction of probes lost, 0..1
  uint64_t probes_sent = 0;
  uint64_t probes_lost = 0;
  uint64_t probe_bytes = 0;  // bytes sent and received by probes, for the data budget
  SteadyTime since{};        // when `state` last changed
  std::string reason;        // why the state is what it is ("3 of 3 targets silent", "bearer lost")
  friend bool operator==(const WanHealth&, const WanHealth&) = default;
};

const char* WanHealthStateName(WanHealthState state);

}  // namespace uplinkd::policy
