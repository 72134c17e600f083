#include "policy/policy_config.h"

namespace uplinkd::policy {

const char* TrafficClassName(TrafficClass traffic_class) {
  switch (traffic_class) {
    case TrafficClass::kAlert: return "alert";
    case TrafficClass::kManagement: return "management";
    case TrafficClass::kTelemetry: return "telemetry";
    case TrafficClass::kBulk: return "bulk";
  }
  return "?";
}

std::optional<TrafficClass> ParseTrafficClass(std::string_view name) {
  for (TrafficClass traffic_class : kTrafficClasses) {
    if (name == TrafficClassName(traffic_class)) return traffic_class;
  }
  return std::nullopt;
}

const char* PathModeName(PathMode mode) {
  switch (mode) {
    case PathMode::kFailover: return "failover";
    case PathMode::kBalance: return "balance";
    case PathMode::kLowestLatency: return "lowest-latency";
  }
  return "?";
}

const WanConfig* PolicyConfig::FindWan(const std::string& name) const {
  for (const auto& wan : wans) {
    if (wan.name == name) return &wan;
  }
  return nullptr;
}

}  // namespace uplinkd::policy
