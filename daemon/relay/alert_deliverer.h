#pragma once
// The delivery state machine: keeps one MQTT session to the broker, publishes pending alerts from
// the outbox in drain order (highest severity, then oldest) with a bounded window of unacknowledged
// PUBLISHes, and marks an alert delivered only when its PUBACK arrives. A session that fails, ends,
// does not connect within the connect timeout or leaves a PUBLISH unacknowledged past the ack
// timeout is dropped; the next one starts after an exponential back-off, and everything that was
// in flight is published again from the outbox (at-least-once; the far end de-duplicates by id).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "daemon/core/logger.h"
#include "daemon/core/scheduler.h"
#include "daemon/relay/alert_outbox.h"
#include "daemon/relay/mqtt_session.h"

namespace uplinkd::relay {

struct DeliverySettings {
  std::string topic = "uplinkd/alerts";
  int qos = 1;
  size_t max_in_flight = 16;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds ack_timeout{10000};
};

enum class BrokerState { kStopped, kConnecting, kConnected, kBackingOff };
const char* BrokerStateName(BrokerState state);

class AlertDeliverer {
 public:
  struct Stats {
    uint64_t delivered = 0;     // PUBACKs that marked an alert delivered
    uint64_t publishes = 0;     // PUBLISHes sent, first tries and resends
    uint64_t connects = 0;      // sessions that reached CONNACK
    uint64_t session_failures = 0;
    std::optional<int64_t> last_delivery_ms;  // wall clock
    std::string last_error;
  };

  AlertDeliverer(Scheduler& scheduler, AlertOutbox& outbox, MqttSessionFactory factory, DeliverySettings settings,
                 std::function<int64_t()> wall_clock_ms);
  ~AlertDeliverer();
  AlertDeliverer(const AlertDeliverer&) = delete;
  AlertDeliverer& operator=(const AlertDeliverer&) = delete;

  void Start();
  void Stop();
  // A new alert is in the outbox: publish it now if the window allows.
  void AlertQueued();
  // New socket options: applied to the live session and to every later one.
  void SetSocketOptions(const SocketOptions& options);

  BrokerState state() const { return state_; }
  const Stats& stats() const { return stats_; }
  size_t in_flight() const { return in_flight_.size(); }
  void set_change_observer(std::function<void()> observer) { on_change_ = std::move(observer); }

 private:
  struct InFlight {
    std::string id;
    SteadyTime sent;
  };
  void StartSession();
  void EndSession(const std::string& reason);
  void OnConnected(uint64_t generation);
  void OnAcknowledged(uint64_t generation, int message_id);
  void FillWindow();
  void SaveAcknowledged();
  void ArmAckTimer();
  void Changed();

  Scheduler& scheduler_;
  AlertOutbox& outbox_;
  MqttSessionFactory factory_;
  DeliverySettings settings_;
  std::function<int64_t()> wall_clock_ms_;
  SocketOptions socket_options_;
  std::unique_ptr<MqttSession> session_;
  uint64_t generation_ = 0;  // handlers of an older session are ignored
  BrokerState state_ = BrokerState::kStopped;
  std::chrono::milliseconds backoff_;
  std::map<int, InFlight> in_flight_;         // by MQTT message id
  std::set<std::string> acknowledged_;        // PUBACKed, not yet saved as delivered
  TimerHandle retry_timer_;
  TimerHandle connect_timer_;
  TimerHandle ack_timer_;
  TimerHandle save_timer_;
  Stats stats_;
  std::function<void()> on_change_;
  Logger log_{LogModule::kAlerts};
};

}  // namespace uplinkd::relay
