#include "daemon/daemon.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include <boost/asio/post.hpp>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Error.h>

#include "daemon/config/config_loader.h"
#include "daemon/instance_lock.h"
#include "daemon/private_directory.h"
#include "base/logger.h"
#include "control/audit_log.h"
#include "control/command_executor.h"
#include "control/system_accounts.h"
#include "dbus/dbus_service.h"
#include "dbus/manager_properties.h"
#include "net/libmnl_nftables_monitor.h"
#include "net/libnl_netlink_monitor.h"
#include "net/libnl_routing_edge.h"
#include "relay/alert_relay.h"
#include "base/sdbus_asio_bridge.h"
#include "inference/inference_worker_supervisor.h"
#include "modem/modem_fleet.h"
#include "modem/process_bearer_ip_client_launcher.h"
#include "modem/sdbus_modem_manager_edge.h"
#include "net/libnetfilter_conntrack_edge.h"
#include "net/libnftnl_edge.h"
#include "net/libnl_traffic_control_edge.h"
#include "policy/health/socket_prober.h"
#include "policy/policy_controller.h"
#include "state/status_json.h"

namespace uplinkd {
namespace {

const Logger kLog(LogModule::kDaemon);
constexpr size_t kRecentEvents = 20;

// status.json's group ([dbus] access_group); none when it does not exist (the file is then 0600).
std::optional<gid_t> LookUpGroup(const std::string& name) {
  std::vector<char> buffer(16384);
  struct group entry{};
  struct group* found = nullptr;
  if (name.empty() || ::getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  return entry.gr_gid;
}

// For a message that may hold any byte (an exception's text): printable ASCII only.
std::string Printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 512)) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("\\x{:02x}", c);
    }
  }
  return out;
}

// Looked up once at start (NSS may block briefly; the loop is not serving anyone yet).
Result<std::pair<uid_t, gid_t>> LookUpWorkerIdentity(const std::string& user, const std::string& group) {
  std::vector<char> buffer(16384);
  passwd account{};
  passwd* found_user = nullptr;
  if (::getpwnam_r(user.c_str(), &account, buffer.data(), buffer.size(), &found_user) != 0 || !found_user) {
    return MakeError(ErrorCode::kNotFound, "user " + user + " does not exist (create it, or set [inference] user)");
  }
  uid_t uid = account.pw_uid;
  struct group entry{};
  struct group* found_group = nullptr;
  if (::getgrnam_r(group.c_str(), &entry, buffer.data(), buffer.size(), &found_group) != 0 || !found_group) {
    return MakeError(ErrorCode::kNotFound, "group " + group + " does not exist (create it, or set [inference] group)");
  }
  return std::pair{uid, entry.gr_gid};
}

Result<std::unique_ptr<sdbus::IConnection>> ConnectBus(const std::string& bus) {
  try {
    if (bus == "system") return sdbus::createSystemBusConnection();
    return sdbus::createSessionBusConnectionWithAddress(bus);
  } catch (const sdbus::Error& error) {
    return MakeError(ErrorCode::kUnavailable, "cannot connect to D-Bus " + bus + ": " + error.getMessage());
  }
}

}  // namespace

Daemon::Daemon(boost::asio::io_context& io, CommandLine command_line)
    : io_(io),
      command_line_(std::move(command_line)),
      scheduler_(io),
      notifier_(scheduler_),
      signals_(io, SIGTERM, SIGINT, SIGHUP) {}

Daemon::~Daemon() = default;

void Daemon::ApplyOverrides(config::DaemonConfig& config) const {
  if (command_line_.bus) config.bus = *command_line_.bus;
  if (command_line_.state_dir) config.state_dir = *command_line_.state_dir;
  if (command_line_.runtime_dir) config.runtime_dir = *command_line_.runtime_dir;
  if (command_line_.log_level) config.log_level = *LogLevelFromName(*command_line_.log_level);
}

Result<config::DaemonConfig> Daemon::LoadConfig() const {
  config::DaemonConfig config;
  bool exists = ::access(command_line_.config_path.c_str(), F_OK) == 0;
  if (exists || command_line_.config_path_given) {
    auto outcome = config::ConfigLoader::LoadFile(command_line_.config_path);
    if (!outcome.ok()) {
      Logger log(LogModule::kConfig);
      for (const auto& issue : outcome.issues) log.Error("{}", issue.ToString());
      return MakeError(ErrorCode::kInvalidArgument,
                       command_line_.config_path + ": " + std::to_string(outcome.issues.size()) + " problem(s)");
    }
    config = outcome.config;
  } else {
    Logger(LogModule::kConfig).Notice("{} does not exist; running on built-in defaults", command_line_.config_path);
  }
  ApplyOverrides(config);
  return config;
}

Result<void> Daemon::Start() {
  auto config = LoadConfig();
  if (!config) return tl::unexpected(config.error());
  config_ = *config;
  ++config_generation_;
  Logger::SetMaxLevel(config_.log_level);

  if (auto made = PrivateDirectory::Ensure(config_.runtime_dir, 0755); !made) return made;
  // Before any side effect on the kernel, the bus or the modems: one uplinkd per runtime directory.
  auto lock = InstanceLock::Acquire(config_.runtime_dir);
  if (!lock) return tl::unexpected(lock.error());
  instance_lock_.emplace(std::move(*lock));
  if (auto made = PrivateDirectory::Ensure(config_.state_dir, 0700); !made) return made;
  status_writer_ = std::make_unique<StatusFileWriter>(config_.runtime_dir, LookUpGroup(config_.dbus_access.access_group));
  SetUpStateStore();

  auto bus = ConnectBus(config_.bus);
  if (!bus) return tl::unexpected(bus.error());
  bus_ = std::move(*bus);
  bus_bridge_ = std::make_unique<SdbusAsioBridge>(io_, *bus_);
  bus_bridge_->Start();
  Logger(LogModule::kDbus).Info("connected to {} as {}", config_.bus, bus_->getUniqueName());

  auto routing = net::LibnlRoutingEdge::Create();
  if (!routing) return tl::unexpected(routing.error());
  routing_ = std::move(*routing);

  started_at_ = scheduler_.Now();
  started_unix_ = static_cast<uint64_t>(std::time(nullptr));
  // The bus name next, before the policy replaces nftables and the modems are bound: another
  // uplinkd on this bus (with another runtime directory) stops here too.
  StartCommands();
  if (auto published = StartDbus(); !published) return published;
  WaitForSignals();
  notifier_.StartWatchdog();
  StartPolicy();
  StartModems();
  StartInference();
  StartAlerts();
  // What the commands act on exists now (before, each was answered "not running").
  commands_->set_target(CommandTargets());
  // READY=1 follows once the link snapshot is complete: the first state is then applied.
  return StartLinkMonitor();
}

Result<void> Daemon::StartLinkMonitor() {
  netlink_monitor_ = std::make_unique<net::LibnlNetlinkMonitor>(io_);
  net::NetlinkHandlers handlers;
  // The link table is applied first; the policy reads it when told that it changed.
  handlers.on_link = [this](const net::LinkEvent& event) {
    if (!links_.Apply(event)) return;
    Logger(LogModule::kNet).Info("{}", net::ToString(event));
    if (policy_) policy_->OnLink(event);
    StateChanged();
  };
  handlers.on_address = [this](const net::AddressEvent& event) {
    if (!links_.Apply(event)) return;
    Logger(LogModule::kNet).Info("{}", net::ToString(event));
    if (policy_) policy_->OnAddress(event);
    StateChanged();
  };
  if (policy_) {
    handlers.on_owned_routing_removed = [this](const net::OwnedRoutingRemovedEvent& event) {
      if (policy_) policy_->OnOwnedRoutingRemoved(event);
    };
  }
  handlers.on_synced = [this] {
    if (ready_) {
      if (policy_) policy_->OnNetlinkResynced();  // events were lost: removals too, maybe
      return;
    }
    ready_ = true;
    store_.Start();  // the first publication: every part
    notifier_.Ready("running");
    kLog.Notice("uplinkd {} running (pid {}), {} link(s), {} modem(s) configured", UPLINKD_VERSION, ::getpid(),
                links_.entries().size(), config_.modems.size());
  };
  return netlink_monitor_->Start(std::move(handlers));
}

void Daemon::StartModems() {
  modem_edge_ = std::make_unique<modem::SdbusModemManagerEdge>(
      *bus_, scheduler_, [this] { bus_bridge_->Kick(); }, config_.modem_manager_service);
  modem::ModemSupervisor::Dependencies dependencies;
  dependencies.edge = modem_edge_.get();
  dependencies.scheduler = &scheduler_;
  dependencies.routing = routing_.get();
  dependencies.uniform01 = [this] { return std::uniform_real_distribution<double>(0.0, 1.0)(random_); };
  bearer_helpers_ = std::make_unique<modem::ProcessBearerIpClientLauncher>(
      io_, scheduler_, modem::ProcessBearerIpClientLauncher::Settings{.runtime_dir = config_.runtime_dir + "/modem"});
  dependencies.ip_clients = bearer_helpers_.get();
  modems_ = std::make_unique<modem::ModemFleet>(
      config_.modems, dependencies, [this](const modem::ModemWanState& state) { OnModemState(state); },
      [this](const modem::ModemEvent& event) { OnModemEvent(event); });
  modems_->Start();
  bus_bridge_->Kick();
}

void Daemon::StartCommands() {
  // The audit log failing to open is reported, not fatal: commands still run and are logged.
  auto audit = control::AuditLog::Open(config_.state_dir + "/audit.sqlite", config_.control.audit_max_rows);
  if (audit) {
    audit_ = std::move(*audit);
  } else {
    Logger(LogModule::kControl).Error("no audit log: {}", Describe(audit.error()));
  }
  control::CommandExecutor::Settings settings;
  settings.idempotency_window = std::chrono::seconds(config_.control.idempotency_window_s);
  settings.wall_clock_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  commands_ = std::make_unique<control::CommandExecutor>(control::CommandTarget{}, control::PermissionTable(), audit_.get(),
                                                         scheduler_, std::move(settings));
  ApplyPermissions();
}

void Daemon::ApplyPermissions() {
  auto built = control::PermissionTable::Build(config_.control, config_.dbus_access.access_group,
                                               control::SystemAccountResolver());
  for (const auto& warning : built.warnings) Logger(LogModule::kControl).Warning("{}", warning);
  commands_->set_permissions(std::move(built.table));
  commands_->set_idempotency_window(std::chrono::seconds(config_.control.idempotency_window_s));
  if (audit_) audit_->set_max_rows(config_.control.audit_max_rows);
}

// What each command acts on. Every function runs after the executor authorised and validated.
control::CommandTarget Daemon::CommandTargets() {
  control::CommandTarget target;
  target.reload = [this]() -> Result<uint64_t> {
    auto before = config_generation_;
    Reload();
    if (config_generation_ == before) return MakeError(ErrorCode::kInvalidArgument, last_reload_result_);
    return config_generation_;
  };
  target.set_log_level = [this](LogLevel level) -> Result<void> {
    config_.log_level = level;
    Logger::SetMaxLevel(level);
    kLog.Notice("log level {} until the next reload", Logger::LevelName(level));
    store_.Flush();
    return {};
  };
  target.resume_modem = [this](const std::string& name) { return modems_->Resume(name); };
  target.reconnect_modem = [this](const std::string& name) { return modems_->Reconnect(name); };
  target.reset_modem = [this](const std::string& name) { return modems_->Reset(name); };
  if (policy_) {
    target.set_wan_administrative_state = [this](const std::string& wan, bool up) {
      return policy_->SetAdministrativeState(wan, up);
    };
    target.pin_class = [this](policy::TrafficClass traffic_class, const std::string& wan, std::chrono::seconds duration) {
      return policy_->PinClass(traffic_class, wan, duration);
    };
    target.unpin_class = [this](policy::TrafficClass traffic_class) { return policy_->UnpinClass(traffic_class); };
  }
  if (alerts_) {
    target.submit_alert = [this](const std::string& submission, std::optional<uint32_t> uid) {
      if (alerts_) return alerts_->HandleSubmission(submission, uid ? std::optional<uid_t>(*uid) : std::nullopt);
      return std::string(R"({"ok": false, "error": "busy", "message": "the relay stopped", "retryable": true})");
    };
  }
  return target;
}

Result<void> Daemon::StartDbus() {
  store_.Flush();  // not started yet: refreshes the snapshot quietly, for the objects' first values
  auto service = dbus::DbusService::Create(*bus_, [this] { bus_bridge_->Kick(); }, *commands_,
                                           dbus::ManagerPropertiesFrom(store_.snapshot()));
  if (!service) return tl::unexpected(service.error());
  dbus_ = std::move(*service);
  dbus_subscription_ = store_.Subscribe([this](const state::Snapshot& snapshot, const state::StateChanges& changes) {
    if (dbus_) dbus_->Publish(snapshot, changes);
  });
  return {};
}

void Daemon::SetUpStateStore() {
  using state::StatePart;
  store_.SetSource<StatePart::kDaemon>([this] { return DaemonStatus(); });
  store_.SetSource<StatePart::kModems>([this] {
    return modems_ ? modems_->States() : std::vector<modem::ModemWanState>{};
  });
  store_.SetSource<StatePart::kLinks>([this] {
    std::vector<net::LinkEntry> links;
    for (const auto& [index, entry] : links_.entries()) links.push_back(entry);
    return links;
  });
  // Read once per publication: the Wan status reads lane counters (from the kernel, at most every 2 s).
  store_.SetSource<StatePart::kWans>([this] {
    return policy_ ? policy_->WanStatuses() : std::vector<policy::WanStatus>{};
  });
  store_.SetSource<StatePart::kPaths>([this] { return policy_ ? policy_->Paths() : std::nullopt; });
  store_.SetSource<StatePart::kAlerts>([this] { return AlertsStatus(); });
  store_.SetSource<StatePart::kInference>([this] { return InferenceStatus(); });
  store_.SetSource<StatePart::kEvents>([this] {
    return std::vector<state::RecentEvent>(recent_events_.begin(), recent_events_.end());
  });
  status_file_subscription_ = store_.Subscribe(
      [this](const state::Snapshot& snapshot, const state::StateChanges&) { WriteStatusFile(snapshot); });
}

state::DaemonState Daemon::DaemonStatus() const {
  state::DaemonState daemon;
  daemon.version = UPLINKD_VERSION;
  daemon.pid = ::getpid();
  daemon.started_at = started_at_;
  daemon.start_time_unix = started_unix_;
  daemon.config_path = command_line_.config_path;
  daemon.config_generation = config_generation_;
  daemon.last_reload = last_reload_result_;
  daemon.bus = config_.bus;
  daemon.log_level = Logger::LevelName(config_.log_level);
  daemon.ready = ready_;
  daemon.stopping = stopping_;
  daemon.modems_configured = static_cast<uint32_t>(config_.modems.size());
  daemon.policy_running = policy_ != nullptr;
  return daemon;
}

void Daemon::WriteStatusFile(const state::Snapshot& snapshot) {
  if (!status_writer_) return;
  if (auto written = status_writer_->Write(state::StatusJson(snapshot)); !written) {
    kLog.Warning("cannot publish state: {}", Describe(written.error()));
  }
}

void Daemon::StartPolicy() {
  if (!config_.policy.enabled()) return;
  Logger log(LogModule::kPolicy);
  auto nftables = net::LibnftnlEdge::Create();
  if (!nftables) {
    log.Error("multi-WAN policy not started: nftables: {}", Describe(nftables.error()));
    return;
  }
  auto* nftables_edge = nftables->get();
  nftables_monitor_ = std::make_unique<net::LibmnlNftablesMonitor>(
      io_, net::LibmnlNftablesMonitor::Options{.ignore_portids = {nftables_edge->portid()}});
  nftables_ = std::move(*nftables);
  if (auto conntrack = net::LibnetfilterConntrackEdge::Create()) {
    conntrack_ = std::move(*conntrack);
  } else {
    log.Warning("no conntrack clean-up on failover: {}", Describe(conntrack.error()));
  }
  policy::PolicyController::Dependencies dependencies;
  dependencies.scheduler = &scheduler_;
  dependencies.routing = routing_.get();
  dependencies.nftables = nftables_.get();
  dependencies.conntrack = conntrack_.get();
  dependencies.links = &links_;
  if (config_.policy.lanes) {
    if (auto traffic_control = net::LibnlTrafficControlEdge::Create()) {
      traffic_control_ = std::move(*traffic_control);
    } else {
      log.Warning("no priority lanes: {}", Describe(traffic_control.error()));
    }
  }
  dependencies.traffic_control = traffic_control_.get();
  dependencies.make_prober = [this](const policy::WanConfig&, const policy::ProbeBinding& binding) {
    return std::make_unique<policy::SocketProber>(io_, binding);
  };
  dependencies.bind_prober = [](policy::Prober& prober, const policy::ProbeBinding& binding) {
    static_cast<policy::SocketProber&>(prober).SetBinding(binding);  // make_prober made it
  };
  policy_ = std::make_unique<policy::PolicyController>(config_.policy, std::move(dependencies),
                                                       [this] { StateChanged(); });
  policy_->Start();
  // After the first apply: from now on another process's change to the table is drift.
  if (auto watching = nftables_monitor_->Start([this](const net::NftTableChange& change) {
        if (policy_) policy_->OnNftablesChanged(change);
      });
      !watching) {
    log.Warning("nftables changes by other processes will not be noticed: {}", Describe(watching.error()));
    nftables_monitor_.reset();
  }
}

void Daemon::StartInference() {
  if (!config_.inference.enabled) return;
  inference::WorkerSupervisorSettings settings;
  settings.executable = config_.inference.worker;
  settings.arguments = {"run", "--config", config_.inference.config};
  if (::geteuid() == 0) {
    auto identity = LookUpWorkerIdentity(config_.inference.user, config_.inference.group);
    if (!identity) {
      inference_error_ = identity.error().message;
      Logger(LogModule::kInference).Error("not starting the inference worker: {}", inference_error_);
      return;
    }
    settings.uid = identity->first;
    settings.gid = identity->second;
  }
  inference_ = std::make_unique<inference::InferenceWorkerSupervisor>(io_, scheduler_, settings);
  inference_->set_exit_observer([this](const inference::InferenceWorkerSupervisor::ExitInfo&) { StateChanged(); });
  if (auto started = inference_->Start(); !started) {
    inference_error_ = Describe(started.error());
    Logger(LogModule::kInference).Error("inference worker: {}", inference_error_);
  }
}

// The relay's failure to start (outbox or socket) is reported, not fatal: connectivity comes first.
void Daemon::StartAlerts() {
  const auto& alerts = config_.alerts;
  if (!alerts.enabled) return;
  relay::AlertRelaySettings settings;
  settings.socket_path = alerts.socket.empty() ? config_.runtime_dir + "/alerts.sock" : alerts.socket;
  settings.socket_group = alerts.socket_group;
  settings.outbox_path = config_.state_dir + "/alerts.sqlite";
  settings.max_alerts = alerts.outbox_max_alerts;
  settings.broker = {alerts.broker_host, alerts.broker_port, alerts.client_id, alerts.keepalive_s,
                     alerts.tls_ca_file, alerts.tls_cert_file, alerts.tls_key_file};
  settings.delivery.topic = alerts.topic;
  settings.delivery.qos = alerts.qos;
  settings.delivery.max_in_flight = static_cast<size_t>(alerts.max_in_flight);
  settings.delivery.park_after_attempts = static_cast<uint32_t>(alerts.park_after_attempts);
  settings.delivery.connect_timeout = std::chrono::milliseconds(alerts.connect_timeout_ms);
  settings.delivery.ack_timeout = std::chrono::milliseconds(alerts.ack_timeout_ms);
  settings.delivery.backoff_initial = std::chrono::milliseconds(alerts.backoff_initial_ms);
  settings.delivery.backoff_max = std::chrono::milliseconds(alerts.backoff_max_ms);
  auto relay = relay::AlertRelay::Create(io_, scheduler_, std::move(settings));
  if (!relay) {
    alerts_error_ = Describe(relay.error());
    kLog.Error("alert relay not started: {}", alerts_error_);
    return;
  }
  alerts_ = std::move(*relay);
  alerts_->SetSocketOptions(AlertSocketOptions());
  alerts_->set_change_observer([this] { StateChanged(); });
  // The relay rides the policy's Wans: one session per Wan endpoint (now, and on every change).
  if (policy_) {
    alert_routes_ = policy_->SubscribeEndpoints([this](const std::vector<policy::WanEndpoints>& wans) {
      if (alerts_) alerts_->SetRoutes(AlertRoutePlanner::Plan(wans, AlertRouteOptions()));
    });
  }
}

relay::SocketOptions Daemon::AlertSocketOptions() const {
  relay::SocketOptions options;
  options.priority = config_.alerts.socket_priority;
  options.mark = config_.alerts.socket_mark;
  if (config_.alerts.rto_min_ms > 0) options.rto_min_us = static_cast<uint32_t>(config_.alerts.rto_min_ms) * 1000;
  return options;
}

AlertRoutePlanner::Options Daemon::AlertRouteOptions() const {
  return {.duplicate_when_degraded = config_.alerts.duplicate_when_degraded, .socket = AlertSocketOptions()};
}

state::AlertsState Daemon::AlertsStatus() const {
  state::AlertsState alerts;
  alerts.enabled = config_.alerts.enabled;
  alerts.error = alerts_error_;
  if (alerts_) alerts.relay = alerts_->Status();
  return alerts;
}

state::InferenceState Daemon::InferenceStatus() const {
  state::InferenceState inference;
  inference.enabled = config_.inference.enabled;
  inference.error = inference_error_;
  if (!inference_) return inference;
  using Supervisor = inference::InferenceWorkerSupervisor;
  state::InferenceWorkerState worker;
  switch (inference_->state()) {
    case Supervisor::State::kStopped: worker.phase = state::WorkerPhase::kStopped; break;
    case Supervisor::State::kRunning: worker.phase = state::WorkerPhase::kRunning; break;
    case Supervisor::State::kBackingOff: worker.phase = state::WorkerPhase::kBackingOff; break;
    case Supervisor::State::kStopping: worker.phase = state::WorkerPhase::kStopping; break;
  }
  worker.pid = inference_->pid();
  worker.starts = inference_->stats().starts;
  worker.exits = inference_->stats().exits;
  worker.watchdog_kills = inference_->stats().watchdog_kills;
  inference.worker = worker;
  return inference;
}

void Daemon::OnModemState(const modem::ModemWanState& state) {
  if (policy_) policy_->OnModemState(state);
  StateChanged();
}

void Daemon::OnModemEvent(const modem::ModemEvent& event) {
  recent_events_.push_back({event, static_cast<int64_t>(std::time(nullptr))});
  if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
  StateChanged();
}

int Daemon::Run() {
  try {
    io_.run();
    return 0;
  } catch (const std::exception& error) {
    // Last resort: a handler threw. Log it (escaped: it may quote hostile bytes) and still remove
    // what we installed, so no half-configured kernel state outlives us.
    kLog.Error("unexpected exception on the event loop: {}; stopping", Printable(error.what()));
  } catch (...) {
    kLog.Error("unexpected exception on the event loop; stopping");
  }
  try {
    Shutdown("unexpected exception");
  } catch (const std::exception& error) {
    kLog.Error("clean stop failed: {}", Printable(error.what()));
  }
  return 1;
}

void Daemon::WaitForSignals() {
  signals_.async_wait([this](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    if (signal_number == SIGHUP) {
      Reload();
      WaitForSignals();
    } else {
      Shutdown(signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    }
  });
}

void Daemon::Reload() {
  kLog.Notice("SIGHUP: reloading {}", command_line_.config_path);
  auto config = LoadConfig();
  if (!config) {
    last_reload_result_ = "rejected: " + config.error().message;
    kLog.Error("reload rejected, still running configuration {}: {}", config_generation_, config.error().message);
    notifier_.Status("reload rejected; running previous configuration");
    store_.Flush();
    return;
  }
  if (config->bus != config_.bus || config->runtime_dir != config_.runtime_dir ||
      config->state_dir != config_.state_dir || config->modem_manager_service != config_.modem_manager_service) {
    kLog.Warning("bus and directory changes take effect at the next restart");
    config->bus = config_.bus;
    config->runtime_dir = config_.runtime_dir;
    config->state_dir = config_.state_dir;
    config->modem_manager_service = config_.modem_manager_service;
  }
  if (config->policy != config_.policy) {
    kLog.Warning("[[wan]] and [policy] changes take effect at the next restart");
    config->policy = config_.policy;
  }
  if (config->inference != config_.inference) {
    kLog.Warning("[inference] changes take effect at the next restart");
    config->inference = config_.inference;
  }
  if (config->alerts != config_.alerts) {
    kLog.Warning("[alerts] changes take effect at the next restart");
    config->alerts = config_.alerts;
  }
  if (config->modems != config_.modems) {
    // Rebuilding a supervisor drops its Wan for a moment; until that is done per modem, the
    // running modems keep their profiles.
    kLog.Warning("[[modem]] changes take effect at the next restart");
    config->modems = config_.modems;
  }
  config_ = *config;
  ++config_generation_;
  Logger::SetMaxLevel(config_.log_level);
  ApplyPermissions();
  if (status_writer_) status_writer_->set_group(LookUpGroup(config_.dbus_access.access_group));
  last_reload_result_ = "applied";
  kLog.Notice("configuration {} applied", config_generation_);
  notifier_.Status("running");
  store_.Flush();
}

void Daemon::Shutdown(const char* reason) {
  if (stopping_) return;
  stopping_ = true;
  kLog.Notice("{}: stopping", reason);
  notifier_.Stopping();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  // Remove what uplinkd installed (the modems' interface addresses); bearers stay connected so a
  // restarted daemon adopts them without a new attach.
  // The policy first: its routes use the modems' links, whose addresses go next.
  if (nftables_monitor_) nftables_monitor_->Stop();
  if (policy_) policy_->Stop();
  if (modems_) modems_->Shutdown();
  if (inference_) inference_->Stop();
  if (alerts_) alerts_->Stop();
  // The last publication: State "stopping" (before READY, the Manager alone: nothing else was out).
  bool published = store_.publications() > 0;
  store_.Flush();
  if (dbus_ && !published) dbus_->Publish(store_.snapshot(), state::StateChanges());
  store_.Stop();
  dbus_.reset();  // InterfacesRemoved, then org.uplinkd1 is released
  if (netlink_monitor_) netlink_monitor_->Stop();
  if (bus_bridge_) bus_bridge_->Stop();
  if (status_writer_) status_writer_->Remove();
  io_.stop();
}

}  // namespace uplinkd
