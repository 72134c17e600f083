#pragma once
// What the policy layer reports about each Wan and each traffic class's path, as typed values
// (PolicyController::WanStatuses(), Paths()). The state store keeps them; status.json and the
// D-Bus Wan objects are rendered from these fields directly, so a renamed or retyped field breaks
// the build of every renderer instead of silently blanking a value (tests/unit/state).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

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

struct WanStatus {
  std::string name;
  WanKind kind = WanKind::kModem;
  std::string interface;
  WanHealth health;  // state, degraded, RTT, jitter, loss, probe counters, reason
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
  friend bool operator==(const ClassPathStatus&, const ClassPathStatus&) = default;
};

// The latest decision; the controller has none before its first evaluation.
struct PathsStatus {
  std::vector<ClassPathStatus> classes;  // in kTrafficClasses order
  uint64_t conntrack_deleted = 0;
  friend bool operator==(const PathsStatus&, const PathsStatus&) = default;
};

}  // namespace uplinkd::policy
