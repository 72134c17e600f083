#pragma once
// The alert relay's datagram submission format (docs/alert-submission.md): one JSON object per
// datagram, answered by one JSON reply datagram. Both sides use this codec: the inference worker
// encodes submissions and parses replies; the relay parses submissions and encodes replies.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "inference/alert_event.h"

namespace uplinkd::inference {

inline constexpr size_t kMaxAlertDatagramBytes = 8192;

struct AlertSubmission {
  std::optional<std::string> id;
  std::string time;      // RFC 3339 UTC, e.g. 2025-01-31T12:00:00.123Z
  std::string source;
  std::string severity;  // info | warning | major | critical
  nlohmann::json payload;
};

struct AlertSubmissionReply {
  bool ok = false;
  std::string id;     // the alert's id at the relay (only when ok)
  std::string ref;    // the submission's own "id", echoed so the sender can match the reply
  std::string error;  // a stable code when !ok, e.g. "too-large", "bad-json", "missing-field"
  std::string message;
  bool retryable = false;  // the relay could not take it now (outbox full); send again later
};

class AlertSubmissionCodec {
 public:
  // Encodes an inference alert event; top features are dropped from the end if the datagram would
  // exceed kMaxAlertDatagramBytes.
  static std::string Encode(const AlertEvent& event, std::string_view id, std::string_view source);
  static Result<AlertSubmission> ParseSubmission(std::string_view datagram);
  static std::string EncodeReply(const AlertSubmissionReply& reply);
  static Result<AlertSubmissionReply> ParseReply(std::string_view datagram);
  static std::string FormatTime(uint64_t time_ns);
};

}  // namespace uplinkd::inference
