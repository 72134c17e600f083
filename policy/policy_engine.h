#pragma once
// The policy engine: a pure function from the configuration, each Wan's health and link facts,
// and the previous decision to the next decision (a path per traffic class). No I/O, no clock
// reads: the time is an input, so tests drive it through any sequence and the fuzzer checks
// its invariants over thousands of them.
//
// How a class picks its path:
//   - A Wan is usable when its link (and bearer) is up and health is not Down. Usable Wans are
//     ranked in tiers: Up and not degraded; Up but degraded; Suspect or Unknown (not proven).
//   - failover: the best tier, then the lowest priority number, then config order.
//   - balance: every Wan of the best tier, each with its configured weight.
//   - lowest-latency: in the best tier, the lowest RTT (Wans without an RTT last); the current
//     Wan is kept unless another is faster by latency_margin of its RTT.
//   - pin: a pinned Wan is used whenever it is usable, whatever its tier.
//   - A Wan held Down after a failure although its probes pass again (WanHealth::answering) is
//     the last tier: it carries traffic at once when no other Wan is usable (a Wan that answers
//     is better than none), and the hold keeps traffic off it only while a better Wan exists.
//   - operator pin (PinClass, an input beside the facts): while the pinned Wan is usable the
//     class takes it at once, whatever hold time, tier and preference say; otherwise normal
//     selection, and the path is not marked operator_pinned (the pin shows as inactive).
//     Leaving an operator pin (it ended, or its Wan became unusable) is not held either.
//   - administratively down (WanFacts::admin_up false, "wan down"): unusable for every class,
//     so every class leaves it in the same decision.
//   - Hold: a class keeps its path for hold_time after it last moved, unless a Wan on its path
//     became unusable: moving away from a dead Wan is never delayed.
//   - No usable Wan at all: the class keeps its previous path (nothing better exists, and the
//     Wan tables end in unreachable), or, with none, the first Wan by priority; in both cases
//     never an administratively-down Wan while another Wan is administratively up.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "policy/policy_config.h"
#include "policy/wan_health.h"

namespace uplinkd::policy {

// What the controller knows about one Wan when it asks for a decision.
struct WanFacts {
  bool link_up = false;    // the interface exists, is admin up and has carrier
  bool bearer_up = true;   // modem Wans: the modem layer's wan_up; others: true
  bool admin_up = true;    // false: an operator took the Wan out of service
  WanHealth health;
  friend bool operator==(const WanFacts&, const WanFacts&) = default;
};

struct WeightedWan {
  std::string wan;
  uint32_t weight = 1;
  friend bool operator==(const WeightedWan&, const WeightedWan&) = default;
};

struct ClassPath {
  std::vector<WeightedWan> wans;  // one for failover and lowest-latency, several for balance
  SteadyTime since{};             // when this path was chosen
  std::string reason;
  bool operator_pinned = false;  // the path is an operator's pin, in force (its Wan is usable)
  friend bool operator==(const ClassPath&, const ClassPath&) = default;
};

// Operator pins: class -> the configured name of the Wan it must take while that Wan is usable.
using ClassPins = std::map<TrafficClass, std::string>;

struct Decision {
  std::array<ClassPath, kTrafficClassCount> paths{};
  std::map<std::string, bool> usable;  // per configured Wan
  // Against the previous decision: the classes whose Wans changed, and the Wans that stopped
  // being usable (their conntrack entries are to be deleted so pinned flows re-route).
  std::vector<TrafficClass> changed_classes;
  std::vector<std::string> lost_wans;
  bool first = true;  // no previous decision
  // When a class is held on its path, the earliest time it may move: decide again then.
  std::optional<SteadyTime> recheck_at;

  const ClassPath& path(TrafficClass traffic_class) const { return paths[Index(traffic_class)]; }
  bool changed() const { return first || !changed_classes.empty() || !lost_wans.empty(); }
  friend bool operator==(const Decision&, const Decision&) = default;
};

class PolicyEngine {
 public:
  // Usability tier of a Wan: 0 best; kUnusable when it must carry nothing.
  static constexpr int kUnusable = 99;
  // Held Down but answering its probes: usable only for want of anything better.
  static constexpr int kLastResort = 3;
  static int Tier(const WanFacts& facts);

  // `wans` holds facts for the configured Wans (a missing one counts as unusable); `pins` the
  // operator's pins in force.
  static Decision Decide(const PolicyConfig& config, const std::map<std::string, WanFacts>& wans,
                         const Decision* previous, SteadyTime now, const ClassPins& pins = {});
};

}  // namespace uplinkd::policy
