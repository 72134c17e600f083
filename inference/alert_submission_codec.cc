#include "inference/alert_submission_codec.h"

#include <ctime>

#include <fmt/format.h>

namespace uplinkd::inference {
namespace {

bool IsSeverity(std::string_view s) { return s == "info" || s == "warning" || s == "major" || s == "critical"; }

tl::unexpected<Error> Invalid(std::string_view code, std::string_view detail) {
  return MakeError(ErrorCode::kInvalidArgument, fmt::format("{}: {}", code, detail));
}

}  // namespace

std::string AlertSubmissionCodec::FormatTime(uint64_t time_ns) {
  std::time_t seconds = static_cast<std::time_t>(time_ns / 1'000'000'000ULL);
  unsigned millis = static_cast<unsigned>((time_ns / 1'000'000ULL) % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", buffer, millis);
}

std::string AlertSubmissionCodec::Encode(const AlertEvent& event, std::string_view id, std::string_view source) {
  nlohmann::json top = nlohmann::json::array();
  for (const auto& feature : event.top_features) top.push_back({{"name", feature.name}, {"share", feature.share}});
  nlohmann::json json = {
      {"id", id},
      {"time", FormatTime(event.time_ns)},
      {"source", source},
      {"severity", SeverityName(event.severity)},
      {"payload",
       {{"kind", "inference"},
        {"state", AlertStateName(event.state)},
        {"alert_key", event.key},
        {"stream", event.stream_name},
        {"stream_id", event.stream_id},
        {"score", event.score},
        {"threshold", event.threshold},
        {"model_version", event.model_version},
        {"top_features", top}}},
  };
  std::string text = json.dump();
  while (text.size() > kMaxAlertDatagramBytes && !json["payload"]["top_features"].empty()) {
    json["payload"]["top_features"].erase(json["payload"]["top_features"].size() - 1);
    text = json.dump();
  }
  return text;
}

Result<AlertSubmission> AlertSubmissionCodec::ParseSubmission(std::string_view datagram) {
  if (datagram.size() > kMaxAlertDatagramBytes) {
    return Invalid("too-large", fmt::format("{} bytes, limit {}", datagram.size(), kMaxAlertDatagramBytes));
  }
  nlohmann::json json = nlohmann::json::parse(datagram, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return Invalid("bad-json", "not a JSON object");
  AlertSubmission submission;
  for (const char* field : {"time", "source", "severity"}) {
    if (!json.contains(field)) return Invalid("missing-field", field);
    if (!json[field].is_string()) return Invalid("bad-field", field);
  }
  if (!json.contains("payload")) return Invalid("missing-field", "payload");
  if (!json["payload"].is_object()) return Invalid("bad-field", "payload");
  for (auto it = json.begin(); it != json.end(); ++it) {
    const std::string& key = it.key();
    if (key != "id" && key != "time" && key != "source" && key != "severity" && key != "payload") {
      return Invalid("unknown-field", key);
    }
  }
  if (json.contains("id")) {
    if (!json["id"].is_string() || json["id"].get<std::string>().empty() || json["id"].get<std::string>().size() > 128) {
      return Invalid("bad-field", "id");
    }
    submission.id = json["id"].get<std::string>();
  }
  submission.time = json["time"].get<std::string>();
  submission.source = json["source"].get<std::string>();
  submission.severity = json["severity"].get<std::string>();
  if (!IsSeverity(submission.severity)) return Invalid("bad-field", "severity");
  if (submission.source.empty() || submission.source.size() > 64) return Invalid("bad-field", "source");
  // RFC 3339 in UTC with a Z: a fixed shape is cheap to check and unambiguous.
  std::tm parsed{};
  const char* rest = strptime(submission.time.c_str(), "%Y-%m-%dT%H:%M:%S", &parsed);
  if (rest == nullptr || submission.time.back() != 'Z') return Invalid("bad-field", "time");
  submission.payload = std::move(json["payload"]);
  return submission;
}

std::string AlertSubmissionCodec::EncodeReply(const AlertSubmissionReply& reply) {
  nlohmann::json json = {{"ok", reply.ok}};
  if (!reply.id.empty()) json["id"] = reply.id;
  if (!reply.ref.empty()) json["ref"] = reply.ref;
  if (!reply.ok) {
    json["error"] = reply.error;
    json["message"] = reply.message;
    json["retryable"] = reply.retryable;
  }
  return json.dump();
}

Result<AlertSubmissionReply> AlertSubmissionCodec::ParseReply(std::string_view datagram) {
  nlohmann::json json = nlohmann::json::parse(datagram, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("ok") || !json["ok"].is_boolean()) {
    return Invalid("bad-json", "reply is not {\"ok\": bool, ...}");
  }
  AlertSubmissionReply reply;
  reply.ok = json["ok"].get<bool>();
  if (json.contains("id") && json["id"].is_string()) reply.id = json["id"].get<std::string>();
  if (json.contains("ref") && json["ref"].is_string()) reply.ref = json["ref"].get<std::string>();
  if (json.contains("error") && json["error"].is_string()) reply.error = json["error"].get<std::string>();
  if (json.contains("message") && json["message"].is_string()) reply.message = json["message"].get<std::string>();
  if (json.contains("retryable") && json["retryable"].is_boolean()) reply.retryable = json["retryable"].get<bool>();
  if (reply.ok && reply.id.empty()) return Invalid("bad-json", "ok reply without id");
  return reply;
}

}  // namespace uplinkd::inference
