#pragma once
// An alert as the relay stores and forwards it. Plain values: the outbox, the delivery state
// machine and the status all speak these.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkd::relay {

// Ordered: a higher value drains first and is evicted last.
enum class AlertSeverity : uint8_t { kInfo = 0, kWarning = 1, kMajor = 2, kCritical = 3 };

const char* AlertSeverityName(AlertSeverity severity);
std::optional<AlertSeverity> ParseAlertSeverity(std::string_view name);

// What a producer handed in (after validation).
struct NewAlert {
  std::optional<std::string> ref;  // the submitter's own id, for de-duplicating resends
  std::string source;
  AlertSeverity severity = AlertSeverity::kWarning;
  std::string time;          // RFC 3339 UTC, as submitted
  std::string payload_json;  // a JSON object, stored and forwarded as is
  // The submitter's uid (SCM_CREDENTIALS on the socket, the caller on D-Bus); -1: unknown. Part of
  // the de-duplication key, so one local user cannot suppress another's alerts by reusing its
  // source and ref.
  int64_t sender_uid = -1;
};

// One row of the outbox.
struct StoredAlert {
  int64_t seq = 0;   // arrival order in this outbox
  std::string id;    // the relay's id, unique across outbox re-creations
  std::optional<std::string> ref;
  std::string source;
  AlertSeverity severity = AlertSeverity::kWarning;
  std::string time;
  std::string payload_json;
  int64_t received_ms = 0;                 // wall clock when the relay accepted it
  std::optional<int64_t> delivered_ms;     // wall clock of the broker's PUBACK; empty while pending
  int64_t sender_uid = -1;
  uint32_t attempts = 0;                   // broker sessions that failed with it unacknowledged
  std::optional<int64_t> parked_ms;        // wall clock when it was parked; parked alerts do not drain
  friend bool operator==(const StoredAlert&, const StoredAlert&) = default;
};

// The MQTT message body for one alert: {"id", "ref"?, "source", "uid"?, "severity", "time",
// "received_ms", "payload"} (docs/alert-relay.md).
std::string EncodeAlertMessage(const StoredAlert& alert);

}  // namespace uplinkd::relay
