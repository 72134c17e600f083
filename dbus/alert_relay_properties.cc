#include "dbus/alert_relay_properties.h"

#include <nlohmann/json.hpp>

namespace uplinkd::dbus {
namespace {

std::string Text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_string()) return "";
  return object[key].get<std::string>();
}

}  // namespace

AlertRelayProperties AlertRelayPropertiesFrom(const relay::AlertRelayStatus& relay) {
  AlertRelayProperties out;
  out.outbox_depth = relay.outbox_depth;
  out.outbox_stored = relay.outbox_stored;
  out.outbox_max = relay.outbox_max;
  out.in_flight = relay.in_flight;
  out.delivered = relay.delivered;
  out.last_delivery = relay.last_delivery_ms && *relay.last_delivery_ms > 0 ? static_cast<uint64_t>(*relay.last_delivery_ms) : 0;
  out.broker_state = relay::BrokerStateName(relay.broker.state);
  if (!relay.broker.host.empty()) out.broker = relay.broker.host + ":" + std::to_string(relay.broker.port);
  out.last_error = relay.broker.last_error;
  const auto& submissions = relay.submissions;
  out.counters = {{"accepted", submissions.accepted},
                  {"duplicates", submissions.duplicates},
                  {"refused", submissions.refused},
                  {"busy", submissions.busy},
                  {"evicted_pending", submissions.evicted_pending},
                  {"storage_errors", submissions.storage_errors},
                  {"batches", submissions.batches},
                  // Poison alerts parked now (their ids are in status.json "parked").
                  {"parked", relay.outbox_parked},
                  {"publishes", relay.publishes},
                  {"connects", relay.broker.connects},
                  {"session_failures", relay.broker.session_failures}};
  out.socket = relay.socket;
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
