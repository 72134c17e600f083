#include "inference/alert_event.h"

namespace uplinkd::inference {

const char* SeverityName(AlertSeverity severity) {
  switch (severity) {
    case AlertSeverity::kNone: return "none";
    case AlertSeverity::kWarning: return "warning";
    case AlertSeverity::kMajor: return "major";
    case AlertSeverity::kCritical: return "critical";
  }
  return "?";
}

const char* AlertStateName(AlertState state) {
  switch (state) {
    case AlertState::kRaised: return "raised";
    case AlertState::kEscalated: return "escalated";
    case AlertState::kCleared: return "cleared";
  }
  return "?";
}

}  // namespace uplinkd::inference
