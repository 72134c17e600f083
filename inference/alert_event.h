#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace uplinkd::inference {

enum class AlertSeverity : uint8_t { kNone = 0, kWarning = 1, kMajor = 2, kCritical = 3 };
enum class AlertState : uint8_t { kRaised, kEscalated, kCleared };

const char* SeverityName(AlertSeverity severity);
const char* AlertStateName(AlertState state);

struct TopFeature {
  std::string name;
  double share = 0.0;
};

// One alert life-cycle step of one stream, as handed to an AlertSink.
struct AlertEvent {
  std::string key;  // "<stream>#<n>": the same for the raise, escalations and clear of one alert
  AlertState state = AlertState::kRaised;
  AlertSeverity severity = AlertSeverity::kWarning;
  uint32_t stream_id = 0;
  std::string stream_name;
  double score = 0.0;
  double threshold = 0.0;
  std::string model_version;
  std::vector<TopFeature> top_features;
  uint64_t time_ns = 0;  // wall clock, ns since the epoch
};

}  // namespace uplinkd::inference
