#pragma once
// Plans one Wan's HTB tree (the priority lanes) from its shaping config, health and the shaper's
// current rate. Pure.
//
// Lanes (policy/lane_layout.h): alert 0x55:10 prio 0, management :20 prio 1 (also HTB's default,
// for unclassified packets), telemetry :30 prio 2, bulk :40 prio 3. The root class runs at the
// shaper's rate.
//   normal      every lane rate = ceil = the shaper's rate. HTB serves the classes that are under
//               their rate strictly by prio, so an alert packet always goes next.
//   degraded    (the health tracker says so: loss, RTT inflation, weak signal) bulk's rate and
//               ceil = degraded_bulk_percent of the rate.
//   severe      degraded and (loss >= 2 x degraded_loss, or RTT over the shaper's baseline >=
//               2 x delay_threshold, or the adaptive rate sitting at min_kbit): telemetry is
//               capped too, at degraded_telemetry_percent.
// Leaf queues are short where latency matters (alert, management) and long for bulk.
#include <cstdint>
#include <optional>
#include <string>

#include "net/traffic_control_edge.h"
#include "policy/policy_config.h"
#include "policy/wan_health.h"

namespace uplinkd::policy {

enum class LaneLevel : uint8_t { kNormal, kDegraded, kSevere };
const char* LaneLevelName(LaneLevel level);

struct LaneInputs {
  WanShaping shaping;
  std::string interface;
  WanHealth health;
  double degraded_loss = 0.1;      // the Wan's [wan.health] degraded_loss
  uint32_t rate_kbit = 0;          // the shaper's current rate
  bool rate_at_min = false;        // the adaptive rate is at min_kbit
  std::optional<double> delay_ms;  // RTT over the shaper's baseline
};

struct LanePlan {
  net::HtbTree tree;
  LaneLevel level = LaneLevel::kNormal;
};

class LanePlanner {
 public:
  // Leaf pfifo limits, by class index.
  static constexpr uint32_t kQueuePackets[kTrafficClassCount] = {32, 32, 64, 256};
  // No lane is capped below this (HTB needs a rate it can time), unless the whole shaper is.
  static constexpr uint64_t kMinLaneBps = 8000;

  static LaneLevel Level(const LaneInputs& inputs);
  static LanePlan Plan(const LaneInputs& inputs);
};

}  // namespace uplinkd::policy
