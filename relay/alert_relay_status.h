#pragma once
// What the alert relay reports about itself (AlertRelay::Status()), as typed values. The state
// store keeps it; status.json's "alerts" and the D-Bus AlertRelay object are rendered from these
// fields directly (no JSON in between), so a renamed field breaks every renderer's build.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relay/alert_deliverer.h"

namespace uplinkd::relay {

// Submissions through the socket or D-Bus, by outcome.
struct SubmissionStats {
  uint64_t accepted = 0;
  uint64_t duplicates = 0;
  uint64_t refused = 0;  // malformed or too large
  uint64_t busy = 0;     // refused because the outbox was full
  uint64_t evicted_pending = 0;
  uint64_t storage_errors = 0;
  uint64_t batches = 0;        // transactions that stored submissions (group commits)
  uint64_t largest_batch = 0;  // submissions answered by one commit, at most
  uint64_t parked = 0;         // alerts parked after park_after_attempts failed sessions
  uint64_t retried = 0;        // parked alerts an operator sent again
  uint64_t dropped = 0;        // parked alerts an operator removed
  friend bool operator==(const SubmissionStats&, const SubmissionStats&) = default;
};

// One broker session (one per route, keyed by its Wan; "" for the unbound one without routes).
struct RelaySessionStatus {
  std::string wan;
  BrokerState state = BrokerState::kStopped;
  bool publishing = false;  // publishing now
  bool chosen = false;      // the route says it should publish
  std::string bind_address;
  uint64_t in_flight = 0;
  uint64_t publishes = 0;
  uint64_t duplicate_publishes = 0;
  uint64_t delivered = 0;
  uint64_t first_delivered = 0;
  uint64_t connects = 0;
  std::string last_error;
  friend bool operator==(const RelaySessionStatus&, const RelaySessionStatus&) = default;
};

struct RelayBrokerStatus {
  BrokerState state = BrokerState::kStopped;  // the best of the sessions' states
  std::string host;
  int port = 0;
  bool tls = false;
  uint64_t connects = 0;          // totals of live and retired sessions
  uint64_t session_failures = 0;
  std::string last_error;
  friend bool operator==(const RelayBrokerStatus&, const RelayBrokerStatus&) = default;
};

// A poison alert parked after park_after_attempts failed sessions: what an operator retries or drops.
struct ParkedAlertStatus {
  std::string id;
  std::optional<std::string> ref;
  std::string source;
  std::optional<int64_t> uid;  // the submitter's, when known
  std::string severity;
  uint64_t attempts = 0;
  int64_t received_ms = 0;
  int64_t parked_ms = 0;
  friend bool operator==(const ParkedAlertStatus&, const ParkedAlertStatus&) = default;
};

struct AlertRelayStatus {
  uint64_t outbox_depth = 0;   // pending alerts
  uint64_t outbox_stored = 0;  // pending and delivered rows kept for de-duplication
  uint64_t outbox_max = 0;
  uint64_t outbox_parked = 0;
  std::vector<ParkedAlertStatus> parked;  // the oldest parked alerts (at most a few)
  uint64_t park_after_attempts = 0;
  uint64_t delivered = 0;      // alerts marked delivered (once each, whichever path's PUBACK came first)
  std::optional<int64_t> last_delivery_ms;  // wall clock; none: never
  uint64_t in_flight = 0;
  RelayBrokerStatus broker;
  SubmissionStats submissions;
  uint64_t publishes = 0;
  uint64_t duplicate_publishes = 0;
  bool duplicating = false;  // two or more sessions chosen to publish
  std::vector<RelaySessionStatus> sessions;
  std::string socket;  // the submission socket's path
  friend bool operator==(const AlertRelayStatus&, const AlertRelayStatus&) = default;
};

}  // namespace uplinkd::relay
