#include "relay/alert_record.h"

#include <nlohmann/json.hpp>

namespace uplinkd::relay {

const char* AlertSeverityName(AlertSeverity severity) {
  switch (severity) {
    case AlertSeverity::kInfo: return "info";
    case AlertSeverity::kWarning: return "warning";
    case AlertSeverity::kMajor: return "major";
    case AlertSeverity::kCritical: return "critical";
  }
  return "?";
}

std::optional<AlertSeverity> ParseAlertSeverity(std::string_view name) {
  for (auto severity : {AlertSeverity::kInfo, AlertSeverity::kWarning, AlertSeverity::kMajor, AlertSeverity::kCritical}) {
    if (name == AlertSeverityName(severity)) return severity;
  }
  return std::nullopt;
}

std::string EncodeAlertMessage(const StoredAlert& alert) {
  nlohmann::json message = {
      {"id", alert.id},
      {"source", alert.source},
      {"severity", AlertSeverityName(alert.severity)},
      {"time", alert.time},
      {"received_ms", alert.received_ms},
  };
  if (alert.ref) message["ref"] = *alert.ref;
  if (alert.sender_uid >= 0) message["uid"] = alert.sender_uid;
  // The payload was validated as a JSON object at submission; a row damaged on disk still goes
  // out (as a string) rather than blocking the queue.
  auto payload = nlohmann::json::parse(alert.payload_json, nullptr, /*allow_exceptions=*/false);
  message["payload"] = payload.is_discarded() ? nlohmann::json(alert.payload_json) : payload;
  return message.dump();
}

}  // namespace uplinkd::relay
