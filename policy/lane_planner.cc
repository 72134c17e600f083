#include "policy/lane_planner.h"

#include <algorithm>

#include "policy/lane_layout.h"

namespace uplinkd::policy {

const char* LaneLevelName(LaneLevel level) {
  switch (level) {
    case LaneLevel::kNormal: return "normal";
    case LaneLevel::kDegraded: return "degraded";
    case LaneLevel::kSevere: return "severe";
  }
  return "?";
}

LaneLevel LanePlanner::Level(const LaneInputs& inputs) {
  if (!inputs.health.degraded) return LaneLevel::kNormal;
  bool lossy = inputs.degraded_loss > 0 && inputs.health.loss >= 2 * inputs.degraded_loss;
  bool queued = inputs.delay_ms &&
                *inputs.delay_ms >= 2.0 * static_cast<double>(inputs.shaping.delay_threshold.count());
  if (lossy || queued || inputs.rate_at_min) return LaneLevel::kSevere;
  return LaneLevel::kDegraded;
}

LanePlan LanePlanner::Plan(const LaneInputs& inputs) {
  LanePlan plan;
  plan.level = Level(inputs);
  uint64_t rate = static_cast<uint64_t>(inputs.rate_kbit) * 1000;
  auto capped = [&](uint32_t percent) { return std::min(rate, std::max(kMinLaneBps, rate * percent / 100)); };
  plan.tree.interface = inputs.interface;
  plan.tree.major = kLaneMajor;
  plan.tree.rate_bps = rate;
  plan.tree.default_minor = LaneMinor(kDefaultLaneClass);
  for (TrafficClass traffic_class : kTrafficClasses) {
    uint64_t ceil = rate;
    if (traffic_class == TrafficClass::kBulk && plan.level != LaneLevel::kNormal) {
      ceil = capped(inputs.shaping.degraded_bulk_percent);
    }
    if (traffic_class == TrafficClass::kTelemetry && plan.level == LaneLevel::kSevere) {
      ceil = capped(inputs.shaping.degraded_telemetry_percent);
    }
    plan.tree.lanes.push_back(net::HtbLane{LaneMinor(traffic_class), ceil, ceil, LanePriority(traffic_class),
                                           kQueuePackets[Index(traffic_class)]});
  }
  return plan;
}

}  // namespace uplinkd::policy
