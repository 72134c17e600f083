#pragma once
// The alert relay: producers' submissions (Unix datagram socket) go into the durable outbox and
// are acknowledged only once committed; one deliverer per path (SetRoutes) drains the outbox to the
// MQTT broker: the chosen path publishes, the others stay connected as hot standbys, and every path
// publishes (each alert duplicated) when the routes say so. See docs/alert-relay.md.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include "base/host_resolver.h"
#include "base/logger.h"
#include "base/scheduler.h"
#include "relay/alert_deliverer.h"
#include "relay/alert_outbox.h"
#include "relay/alert_relay_status.h"
#include "relay/alert_submission_socket.h"
#include "relay/mosquitto_mqtt_session.h"
#include "relay/relay_route.h"

namespace uplinkd::relay {

struct AlertRelaySettings {
  std::string socket_path;  // the submission socket
  std::string socket_group; // its group (mode 0660); empty: the daemon's
  std::string outbox_path;  // the SQLite file
  uint64_t max_alerts = 10000;
  BrokerEndpoint broker;
  DeliverySettings delivery;
  // Submissions read in one loop turn are committed together, at most this many per transaction.
  size_t max_batch = AlertSubmissionSocket::kDefaultMaxBatch;
};

class AlertRelay {
 public:
  using Stats = SubmissionStats;

  // `factory` makes broker sessions (MosquittoMqttSession's by default). Opening the outbox or
  // the socket may fail; the relay then does not exist.
  static Result<std::unique_ptr<AlertRelay>> Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                    AlertRelaySettings settings, MqttSessionFactory factory = nullptr);
  ~AlertRelay();

  void Stop();
  // One submission in, one reply out: a batch of one (D-Bus; tests). `uid`: the submitter's.
  std::string HandleSubmission(std::string_view datagram, std::optional<uid_t> uid = std::nullopt);
  // Submissions read together (one loop turn): parsed, committed in one transaction, then each
  // answered. A failed commit answers every one of them with a retryable error.
  void HandleBatch(std::vector<Submission>& batch);
  // An operator's decision on a parked alert (docs/alert-relay.md, "Poison alerts"): send it again
  // with its attempts reset, or remove it. kNotFound when `id` is not parked.
  Result<void> RetryParked(const std::string& id);
  Result<void> DropParked(const std::string& id);
  // The options every session shares (alert-lane priority, mark, minimum RTO); a route's own mark
  // or priority, when set, wins. Applied live.
  void SetSocketOptions(const SocketOptions& options);
  // The paths to the broker, one session each (keyed by Wan name). Empty: one unbound session (no
  // policy). A route that disappears stops; a changed source address or device reconnects at once;
  // marks and priority apply live; `publishing` takes effect at once. When no publishing session is
  // connected, the first connected standby publishes until one is.
  void SetRoutes(const std::vector<RelayRoute>& routes);
  AlertRelayStatus Status() const;
  void set_change_observer(std::function<void()> observer);
  void set_wall_clock(std::function<int64_t()> wall_clock_ms) { wall_clock_ms_ = std::move(wall_clock_ms); }

  const Stats& stats() const { return stats_; }
  const AlertOutbox& outbox() const { return *outbox_; }
  // The session of `wan` ("" for the unbound one without routes), or nullptr.
  const AlertDeliverer* deliverer(const std::string& wan = "") const;
  // Wans with a session, in route order.
  std::vector<std::string> session_wans() const;

 private:
  struct Path {
    RelayRoute route;  // wan "" and default options: the unbound session without routes
    std::unique_ptr<AlertDeliverer> deliverer;
    uint64_t failures_seen = 0;  // to copy each new session error into last_error_
  };
  AlertRelay(AlertRelaySettings settings, Scheduler& scheduler)
      : settings_(std::move(settings)), scheduler_(scheduler) {}
  // Parses one submission; a refusal fills `reply`, an alert fills `alert`.
  bool Parse(const Submission& submission, NewAlert& alert, std::string& reply);
  void OnParked(const std::string& id);
  SocketOptions OptionsFor(const RelayRoute& route) const;
  Path MakePath(const RelayRoute& route);
  void RetirePath(Path& path);
  // Chosen routes publish; a connected standby publishes while no chosen one is connected.
  void UpdatePublishing();
  void OnPathState();
  AlertHold HeldElsewhere(const AlertDeliverer* self, const std::string& id) const;
  void Refill(const AlertDeliverer* except);

  AlertRelaySettings settings_;
  Scheduler& scheduler_;
  std::unique_ptr<HostResolver> resolver_;  // the broker's name, for the default session factory
  MqttSessionFactory factory_;
  std::function<int64_t()> wall_clock_ms_;
  std::unique_ptr<AlertOutbox> outbox_;
  SocketOptions common_options_;
  std::vector<Path> paths_;  // route order
  // Deliverers of removed routes, destroyed on a later loop turn (SetRoutes may run inside one of
  // their callbacks), and the counters of those gone so totals never go down.
  std::vector<std::unique_ptr<AlertDeliverer>> retired_;
  TimerHandle retire_timer_;
  AlertDeliverer::Stats gone_;
  std::string last_error_;
  bool stopping_ = false;
  uint64_t publishing_epoch_ = 0;
  std::unique_ptr<AlertSubmissionSocket> socket_;
  std::function<void()> on_change_;
  Stats stats_;
  // The parked alerts Status() shows, and the outbox's parked_changes() they were read at.
  const std::vector<ParkedAlertStatus>& ParkedShown() const;
  mutable std::vector<ParkedAlertStatus> parked_shown_;
  mutable std::optional<uint64_t> parked_shown_changes_;
  Logger log_{LogModule::kAlerts};
};

}  // namespace uplinkd::relay
