#pragma once
// The properties of org.uplinkd1.AlertRelay as a plain value (see org.uplinkd1.AlertRelay.xml),
// rendered from the relay's typed status (relay::AlertRelayStatus, in the state store's snapshot).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "base/result.h"
#include "dbus/property_fields.h"
#include "relay/alert_relay_status.h"

namespace uplinkd::dbus {

struct AlertRelayProperties {
  uint64_t outbox_depth = 0;
  uint64_t outbox_stored = 0;
  uint64_t outbox_max = 0;
  uint64_t in_flight = 0;
  uint64_t delivered = 0;
  uint64_t last_delivery = 0;  // ms since the Unix epoch; 0: never
  std::string broker_state;
  std::string broker;  // host:port
  std::string last_error;
  std::map<std::string, uint64_t> counters;
  std::string socket;

  static constexpr auto kFields = std::make_tuple(
      Property("OutboxDepth", &AlertRelayProperties::outbox_depth),
      Property("OutboxStored", &AlertRelayProperties::outbox_stored),
      Property("OutboxMax", &AlertRelayProperties::outbox_max), Property("InFlight", &AlertRelayProperties::in_flight),
      Property("Delivered", &AlertRelayProperties::delivered),
      Property("LastDelivery", &AlertRelayProperties::last_delivery),
      Property("BrokerState", &AlertRelayProperties::broker_state), Property("Broker", &AlertRelayProperties::broker),
      Property("LastError", &AlertRelayProperties::last_error), Property("Counters", &AlertRelayProperties::counters),
      Property("Socket", &AlertRelayProperties::socket));

  friend bool operator==(const AlertRelayProperties&, const AlertRelayProperties&) = default;
};

AlertRelayProperties AlertRelayPropertiesFrom(const relay::AlertRelayStatus& relay);

// The relay's reply to a submission (docs/alert-submission.md) as the answer of Submit: the reply
// itself when ok, else kInvalidArgument (never succeeds) or kUnavailable (retryable) with the
// relay's code and message.
Result<std::string> SubmitAnswerFromReply(const std::string& reply);

}  // namespace uplinkd::dbus
