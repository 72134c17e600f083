#include "dbus/alert_relay_properties.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace uplinkd::dbus {
namespace {

uint64_t Count(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_integer()) return 0;
  return object[key].is_number_unsigned() ? object[key].get<uint64_t>()
                                          : static_cast<uint64_t>(std::max<int64_t>(0, object[key].get<int64_t>()));
}

std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace

AlertRelayProperties AlertRelayPropertiesFromStatus(const nlohmann::json& status) {
  AlertRelayProperties out;
  out.outbox_depth = Count(status, "outbox_depth");
  out.outbox_stored = Count(status, "outbox_stored");
  out.outbox_max = Count(status, "outbox_max");
  out.in_flight = Count(status, "in_flight");
  out.delivered = Count(status, "delivered");
  if (status.contains("last_delivery_ms") && status["last_delivery_ms"].is_number()) {
    auto ms = status["last_delivery_ms"].get<int64_t>();
    out.last_delivery = ms > 0 ? static_cast<uint64_t>(ms) : 0;
  }
  const auto broker = status.contains("broker") ? status["broker"] : nlohmann::json::object();
  out.broker_state = Text(broker, "state");
  if (!Text(broker, "host").empty()) out.broker = Text(broker, "host") + ":" + std::to_string(Count(broker, "port"));
  out.last_error = Text(broker, "last_error");
  const auto submissions = status.contains("submissions") ? status["submissions"] : nlohmann::json::object();
  for (const char* key : {"accepted", "duplicates", "refused", "busy", "evicted_pending", "storage_errors", "batches"}) {
    out.counters[key] = Count(submissions, key);
  }
  // Poison alerts parked now (their ids are in status.json "parked").
  out.counters["parked"] = Count(status, "outbox_parked");
  out.counters["publishes"] = Count(status, "publishes");
  out.counters["connects"] = Count(broker, "connects");
  out.counters["session_failures"] = Count(broker, "session_failures");
  out.socket = Text(status, "socket");
  return out;
}

Result<std::string> SubmitAnswerFromReply(const std::string& reply) {
  auto parsed = nlohmann::json::parse(reply, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("ok") || !parsed["ok"].is_boolean()) {
    return MakeError(ErrorCode::kSystem, "the relay gave no usable reply");
  }
  if (parsed["ok"].get<bool>()) return reply;
  std::string text = Text(parsed, "error");
  if (!Text(parsed, "message").empty()) text += ": " + Text(parsed, "message");
  bool retryable = parsed.contains("retryable") && parsed["retryable"].is_boolean() && parsed["retryable"].get<bool>();
  return MakeError(retryable ? ErrorCode::kUnavailable : ErrorCode::kInvalidArgument, text);
}

}  // namespace uplinkd::dbus
