#pragma once
// What the policy layer reports about each Wan and each traffic class's path, as typed values
// (PolicyController::WanStatuses(), Paths()). The state store keeps them; status.json and the
// D-Bus Wan objects are rendered from these fields directly, so a renamed or retyped field breaks
// the build of every renderer instead of silently blanking a value (tests/unit/state).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "net/traffic_control_edge.h"
#include "policy/lane_planner.h"
#include "policy/policy_config.h"
#include "policy/policy_engine.h"
#include "policy/wan_health.h"

namespace uplinkd::policy {

// One HTB lane of a Wan's tree, with the kernel's counters when they have been read.
struct LaneClassStatus {
  TrafficClass traffic_class = TrafficClass::kAlert;
  uint16_t major = 0;
  uint16_t minor = 0;  // class <major>:<minor>
  uint64_t ceil_kbit = 0;
  std::optional<net::HtbLaneCounters> counters;
  friend bool operator==(const LaneClassStatus&, const LaneClassStatus&) = default;
};

// The shaper and lanes of a Wan with [wan.shaping] (docs/lanes.md).
struct LaneStatus {
  uint32_t rate_kbit = 0;
  uint32_t upload_kbit = 0;
  uint32_t min_kbit = 0;
  bool adaptive = true;
  bool installed = false;              // the tree is in the kernel
  std::optional<LaneLevel> level;      // none: no tree planned (no link yet)
  std::optional<double> baseline_ms;
  std::optional<double> delay_ms;
  std::optional<uint32_t> capacity_estimate_kbit;
  std::vector<LaneClassStatus> classes;  // in kTrafficClasses order; empty without a tree
  friend bool operator==(const LaneStatus&, const LaneStatus&) = default;
};

// An operator's pin of a traffic class to a Wan (PolicyController::PinClass).
struct ClassPinStatus {
  TrafficClass traffic_class = TrafficClass::kManagement;
  std::string wan;
  SteadyTime expires_at{};
  std::chrono::seconds remaining{0};  // rounded up, 0 at expiry
  bool active = false;  // the class rides the pinned Wan now (false: that Wan is unusable)
  friend bool operator==(const ClassPinStatus&, const ClassPinStatus&) = default;
};

struct WanAdministrativeState {
  std::string wan;
  bool up = true;  // false: "wan down", unusable for every class
  friend bool operator==(const WanAdministrativeState&, const WanAdministrativeState&) = default;
};

struct WanStatus {
  std::string name;
  WanKind kind = WanKind::kModem;
  std::string interface;
  WanHealth health;  // state, degraded, RTT, jitter, loss, probe counters, reason
  bool admin_up = true;  // false: taken out of use by the operator (health.reason says so)
  bool usable = false;
  bool link_up = false;
  bool bearer_up = false;
  uint32_t table = 0;
  uint32_t mark = 0;
  uint32_t priority = 0;
  uint32_t weight = 0;
  std::optional<LaneStatus> lanes;  // none: no lanes on this Wan
  friend bool operator==(const WanStatus&, const WanStatus&) = default;
};

struct ClassPathStatus {
  TrafficClass traffic_class = TrafficClass::kAlert;
  PathMode mode = PathMode::kFailover;
  std::vector<WeightedWan> wans;  // the first is the class's Wan
  std::string reason;
  std::optional<ClassPinStatus> pin;  // an operator's pin of this class, in force or not
  friend bool operator==(const ClassPathStatus&, const ClassPathStatus&) = default;
};

// The latest decision; the controller has none before its first evaluation.
struct PathsStatus {
  std::vector<ClassPathStatus> classes;  // in kTrafficClasses order
  uint64_t conntrack_deleted = 0;
  friend bool operator==(const PathsStatus&, const PathsStatus&) = default;
};

}  // namespace uplinkd::policy
