#pragma once
// The delivery state machine: keeps one MQTT session to the broker, publishes pending alerts from
// the outbox in drain order (highest severity, then oldest) with a bounded window of unacknowledged
// PUBLISHes, and marks an alert delivered only when its PUBACK arrives. A session that fails, ends,
// does not connect within the connect timeout or leaves a PUBLISH unacknowledged past the ack
// timeout is dropped; the next one starts after an exponential back-off, and everything that was
// in flight is published again from the outbox (at-least-once; the far end de-duplicates by id).
//
// The relay keeps one deliverer per path (AlertRelay::SetRoutes), all on the same outbox. A
// deliverer that is not publishing stays connected (hot standby) and only completes what it has in
// flight. Several publishing deliverers duplicate: each reads Pending() with its own in-flight set,
// and the first PUBACK saved marks the alert delivered for all of them.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "base/logger.h"
#include "base/scheduler.h"
#include "relay/alert_outbox.h"
#include "relay/mqtt_session.h"

namespace uplinkd::relay {

struct DeliverySettings {
  std::string topic = "uplinkd/alerts";
  int qos = 1;
  size_t max_in_flight = 16;
  std::chrono::milliseconds backoff_initial{500};
  std::chrono::milliseconds backoff_max{30000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds ack_timeout{10000};
  // A session that reached CONNACK and then failed blames the alert it published first of those
  // still unacknowledged (the head of the drain, which a poison alert always is); at this many
  // blames the alert is parked so the others can drain (0: never park).
  uint32_t park_after_attempts = 5;
};

enum class BrokerState { kStopped, kConnecting, kConnected, kBackingOff };
const char* BrokerStateName(BrokerState state);

// Where an alert stands in one deliverer: published and unacknowledged, or acknowledged and not
// yet saved as delivered.
enum class AlertHold { kNone, kInFlight, kAcknowledged };

// The relay's view across deliverers sharing an outbox. Called from the event loop.
struct DelivererHooks {
  std::function<void()> state_changed;  // Start/connected/ended/stopped
  std::function<void()> saved;          // acknowledged alerts were just marked delivered
  // How the other deliverers hold `id`: acknowledged elsewhere is skipped, in flight elsewhere is
  // published anyway (duplication) and counted.
  std::function<AlertHold(const std::string& id)> held_elsewhere;
  std::function<void(const std::string& id)> parked;  // an alert was just parked
};

class AlertDeliverer {
 public:
  struct Stats {
    uint64_t delivered = 0;     // PUBACKs received for alerts in flight
    uint64_t first_delivered = 0;  // alerts this deliverer's saves turned from pending to delivered
    uint64_t publishes = 0;     // PUBLISHes sent, first tries and resends
    uint64_t duplicate_publishes = 0;  // PUBLISHes of an alert another deliverer held in flight
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
  // New socket options: marks, priority and the minimum RTO are applied to the live session; a new
  // source address or device restarts the session at once (no back-off: it is not a failure).
  void SetSocketOptions(const SocketOptions& options);
  // false: publish nothing new (in-flight PUBLISHes complete); true: fill the window. Default true.
  void SetPublishing(bool publishing);
  // The Wan this deliverer's sessions are bound to, handed to the session factory (client id).
  void set_path(std::string path) { path_ = std::move(path); }
  void set_hooks(DelivererHooks hooks) { hooks_ = std::move(hooks); }
  AlertHold HoldOf(const std::string& id) const;

  BrokerState state() const { return state_; }
  bool publishing() const { return publishing_; }
  const SocketOptions& socket_options() const { return socket_options_; }
  const Stats& stats() const { return stats_; }
  size_t in_flight() const { return in_flight_.size(); }
  void set_change_observer(std::function<void()> observer) { on_change_ = std::move(observer); }

 private:
  struct InFlight {
    std::string id;
    SteadyTime sent;
    uint64_t order = 0;  // publish order within the deliverer
  };
  // The session failed after CONNACK: the first-published unacknowledged alert takes the blame.
  void BlameHead();
  void StartSession();
  void Restart(const std::string& reason);
  void DropSession();
  void StateChanged();
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
  std::string path_;  // the Wan this deliverer's sessions are bound to; "" for none
  DeliverySettings settings_;
  std::function<int64_t()> wall_clock_ms_;
  SocketOptions socket_options_;
  std::unique_ptr<MqttSession> session_;
  uint64_t generation_ = 0;  // handlers of an older session are ignored
  uint64_t publish_order_ = 0;
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
  DelivererHooks hooks_;
  bool publishing_ = true;
  Logger log_{LogModule::kAlerts};
};

}  // namespace uplinkd::relay
