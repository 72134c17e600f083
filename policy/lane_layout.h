#pragma once
// The fixed shape of uplinkd's priority lanes, shared by the nftables table (which sets
// `meta priority <major>:<minor>` from a packet's class bits) and the HTB trees (one class per
// lane). docs/lanes.md shows them.
#include <cstdint>

#include "policy/policy_config.h"

namespace uplinkd::policy {

// The HTB handle major: 0x55, the number uplinkd uses as its route and rule protocol too.
inline constexpr uint16_t kLaneMajor = 0x55;

// Class minor per lane: alert 0x10, management 0x20, telemetry 0x30, bulk 0x40.
inline uint16_t LaneMinor(TrafficClass traffic_class) {
  return static_cast<uint16_t>(0x10 * (Index(traffic_class) + 1));
}
// HTB prio: alert 0 (served first) .. bulk 3.
inline uint32_t LanePriority(TrafficClass traffic_class) { return static_cast<uint32_t>(Index(traffic_class)); }

// Unclassified packets (class bits 0: the health probes, which pick their Wan by SO_MARK) go to
// the management lane, so probes measure the queues beyond uplinkd's shaper, not its bulk queue.
inline constexpr TrafficClass kDefaultLaneClass = TrafficClass::kManagement;

}  // namespace uplinkd::policy
