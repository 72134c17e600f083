#pragma once
// The alert relay: producers' submissions (Unix datagram socket) go into the durable outbox and
// are acknowledged only once committed; the deliverer drains the outbox to the MQTT broker.
// See docs/alert-relay.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "daemon/core/logger.h"
#include "daemon/core/scheduler.h"
#include "daemon/relay/alert_deliverer.h"
#include "daemon/relay/alert_outbox.h"
#include "daemon/relay/alert_submission_socket.h"
#include "daemon/relay/mosquitto_mqtt_session.h"

namespace uplinkd::relay {

struct AlertRelaySettings {
  std::string socket_path;  // the submission socket
  std::string socket_group; // its group (mode 0660); empty: the daemon's
  std::string outbox_path;  // the SQLite file
  uint64_t max_alerts = 10000;
  BrokerEndpoint broker;
  DeliverySettings delivery;
};

class AlertRelay {
 public:
  struct Stats {
    uint64_t accepted = 0;
    uint64_t duplicates = 0;
    uint64_t refused = 0;       // malformed or too large
    uint64_t busy = 0;          // refused because the outbox was full
    uint64_t evicted_pending = 0;
    uint64_t storage_errors = 0;
  };

  // `factory` makes broker sessions (MosquittoMqttSession's by default). Opening the outbox or
  // the socket may fail; the relay then does not exist.
  static Result<std::unique_ptr<AlertRelay>> Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                    AlertRelaySettings settings, MqttSessionFactory factory = nullptr);
  ~AlertRelay();

  void Stop();
  // One submission datagram in, one reply datagram out (exposed for tests).
  std::string HandleSubmission(std::string_view datagram);
  // The policy layer's hook: marks, priority, device or source for the broker connection.
  void SetSocketOptions(const SocketOptions& options) { deliverer_->SetSocketOptions(options); }
  nlohmann::json Status() const;
  void set_change_observer(std::function<void()> observer);
  void set_wall_clock(std::function<int64_t()> wall_clock_ms) { wall_clock_ms_ = std::move(wall_clock_ms); }

  const Stats& stats() const { return stats_; }
  const AlertOutbox& outbox() const { return *outbox_; }
  const AlertDeliverer& deliverer() const { return *deliverer_; }

 private:
  explicit AlertRelay(AlertRelaySettings settings) : settings_(std::move(settings)) {}
  std::string Submit(std::string_view datagram);

  AlertRelaySettings settings_;
  std::function<int64_t()> wall_clock_ms_;
  std::unique_ptr<AlertOutbox> outbox_;
  std::unique_ptr<AlertDeliverer> deliverer_;
  std::unique_ptr<AlertSubmissionSocket> socket_;
  std::function<void()> on_change_;
  Stats stats_;
  Logger log_{LogModule::kAlerts};
};

}  // namespace uplinkd::relay
