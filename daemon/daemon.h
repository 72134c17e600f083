#pragma once
// The daemon: owns the event loop's long-lived objects, applies configuration, and turns signals
// into reload and shutdown. Observers feed the one state store (state::StateStore); status.json
// and the D-Bus objects are its subscribers.
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include "daemon/command_line.h"
#include "daemon/config/daemon_config.h"
#include "base/asio_scheduler.h"
#include "base/subscription.h"
#include "net/nftables_monitor.h"
#include "daemon/instance_lock.h"
#include "daemon/status_file_writer.h"
#include "daemon/systemd_notifier.h"
#include "net/link_table.h"
#include "net/netlink_monitor.h"
#include "net/routing_edge.h"
#include "relay/alert_route_planner.h"
#include "state/state_store.h"

namespace sdbus {
class IConnection;
}

namespace uplinkd {
namespace modem {
class ModemFleet;
class BearerIpClientLauncher;
class ModemManagerEdge;
struct ModemWanState;
struct ModemEvent;
}  // namespace modem

namespace inference {
class InferenceWorkerSupervisor;
}  // namespace inference

namespace relay {
class AlertRelay;
struct SocketOptions;
}  // namespace relay

namespace net {
class NftablesEdge;
class ConntrackEdge;
class TrafficControlEdge;
}  // namespace net

namespace policy {
class PolicyController;
}  // namespace policy

namespace control {
class AuditLog;
class CommandExecutor;
struct CommandTarget;
}  // namespace control

class SdbusAsioBridge;
namespace dbus {
class DbusService;
}  // namespace dbus

class Daemon {
 public:
  Daemon(boost::asio::io_context& io, CommandLine command_line);
  ~Daemon();

  // Loads the configuration, connects, starts observers and publishes the first state.
  // An error here means the daemon cannot run; it is returned, not logged.
  Result<void> Start();
  // Runs until SIGTERM/SIGINT; returns the process exit code.
  int Run();

 private:
  Result<config::DaemonConfig> LoadConfig() const;
  void ApplyOverrides(config::DaemonConfig& config) const;
  void Reload();
  void Shutdown(const char* reason);
  void WaitForSignals();
  Result<void> StartLinkMonitor();
  void StartModems();
  void StartInference();
  void StartPolicy();
  void StartAlerts();
  relay::SocketOptions AlertSocketOptions() const;  // from [alerts], common to every session
  // The command layer: the audit log, the permission table, the executor every transport calls.
  void StartCommands();
  control::CommandTarget CommandTargets();
  void ApplyPermissions();  // [control] and [dbus] access_group, at start and after each reload
  AlertRoutePlanner::Options AlertRouteOptions() const;
  Result<void> StartDbus();
  // The state store's sources: each part read from its owner as a typed value.
  void SetUpStateStore();
  state::DaemonState DaemonStatus() const;
  state::AlertsState AlertsStatus() const;
  state::InferenceState InferenceStatus() const;
  void WriteStatusFile(const state::Snapshot& snapshot);
  void OnModemState(const modem::ModemWanState& state);
  void OnModemEvent(const modem::ModemEvent& event);
  // The store refreshes and publishes once at the end of this loop turn.
  void StateChanged() { store_.MarkChanged(); }

  boost::asio::io_context& io_;
  CommandLine command_line_;
  config::DaemonConfig config_;
  AsioScheduler scheduler_;
  SystemdNotifier notifier_;
  state::StateStore store_{scheduler_};
  boost::asio::signal_set signals_;
  std::optional<InstanceLock> instance_lock_;  // RUNTIME_DIR/uplinkd.lock, held until we exit
  std::unique_ptr<StatusFileWriter> status_writer_;
  std::unique_ptr<sdbus::IConnection> bus_;
  std::unique_ptr<SdbusAsioBridge> bus_bridge_;
  std::unique_ptr<net::RoutingEdge> routing_;
  std::unique_ptr<net::NetlinkMonitor> netlink_monitor_;
  net::LinkTable links_;  // the one table of links and addresses; the policy reads it
  std::unique_ptr<modem::ModemManagerEdge> modem_edge_;
  // Runs udhcpc/pppd for DHCP and PPP bearers; outlives the fleet that uses it.
  std::unique_ptr<modem::BearerIpClientLauncher> bearer_helpers_;
  std::unique_ptr<modem::ModemFleet> modems_;
  std::unique_ptr<inference::InferenceWorkerSupervisor> inference_;
  std::unique_ptr<net::NftablesEdge> nftables_;
  std::unique_ptr<net::NftablesMonitor> nftables_monitor_;  // other processes' changes (drift)
  std::unique_ptr<net::ConntrackEdge> conntrack_;
  std::unique_ptr<net::TrafficControlEdge> traffic_control_;  // HTB lanes ([policy] lanes)
  std::unique_ptr<policy::PolicyController> policy_;  // [[wan]]/[policy]: a path per traffic class
  std::unique_ptr<relay::AlertRelay> alerts_;  // the alert relay, when [alerts] is enabled
  std::string alerts_error_;                   // why it is not running, when it should be
  std::unique_ptr<control::AuditLog> audit_;              // STATE_DIR/audit.sqlite; null: not openable
  std::unique_ptr<control::CommandExecutor> commands_;  // outlives every transport below
  std::unique_ptr<dbus::DbusService> dbus_;  // org.uplinkd1
  uint64_t started_unix_ = 0;
  std::string inference_error_;  // why the worker is not running, when it should be
  std::mt19937_64 random_{std::random_device{}()};
  std::deque<state::RecentEvent> recent_events_;  // the newest last, at most kRecentEvents
  SteadyTime started_at_{};
  bool ready_ = false;
  uint64_t config_generation_ = 0;
  std::string last_reload_result_ = "none";
  bool stopping_ = false;
  // Last, so they go first: the store's subscribers and the relay's subscription to the policy's
  // Wan endpoints.
  Subscription status_file_subscription_;
  Subscription dbus_subscription_;
  Subscription alert_routes_;
};

}  // namespace uplinkd
