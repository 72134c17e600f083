#include "daemon/daemon.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>
#include <filesystem>

#include <boost/asio/post.hpp>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Error.h>

#include "relay/alert_route_planner.h"
#include "daemon/config/config_loader.h"
#include "base/logger.h"
#include "dbus/dbus_service.h"
#include "net/libnl_netlink_monitor.h"
#include "net/libnl_routing_edge.h"
#include "relay/alert_relay.h"
#include "base/sdbus_asio_bridge.h"
#include "inference/inference_worker_supervisor.h"
#include "modem/modem_fleet.h"
#include "modem/process_bearer_ip_client_launcher.h"
#include "modem/modem_wan_state_json.h"
#include "modem/sdbus_modem_manager_edge.h"
#include "net/libnetfilter_conntrack_edge.h"
#include "net/libnftnl_edge.h"
#include "net/libnl_traffic_control_edge.h"
#include "policy/health/socket_prober.h"
#include "policy/policy_controller.h"

namespace uplinkd {
namespace {

const Logger kLog(LogModule::kDaemon);
constexpr size_t kRecentEvents = 20;

Result<void> EnsureDirectory(const std::string& path, mode_t mode) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return MakeError(ErrorCode::kSystem, "create directory " + path, error.value());
  if (::chmod(path.c_str(), mode) != 0) return MakeError(ErrorCode::kSystem, "chmod " + path, errno);
  return {};
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

  if (auto made = EnsureDirectory(config_.runtime_dir, 0755); !made) return made;
  if (auto made = EnsureDirectory(config_.state_dir, 0700); !made) return made;
  status_writer_ = std::make_unique<StatusFileWriter>(config_.runtime_dir);

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
  WaitForSignals();
  notifier_.StartWatchdog();
  StartPolicy();
  StartModems();
  StartInference();
  StartAlerts();
  if (auto published = StartDbus(); !published) return published;
  // READY=1 follows once the link snapshot is complete: the first state is then applied.
  return StartLinkMonitor();
}

Result<void> Daemon::StartLinkMonitor() {
  netlink_monitor_ = std::make_unique<net::LibnlNetlinkMonitor>(io_);
  net::NetlinkHandlers handlers;
  handlers.on_link = [this](const net::LinkEvent& event) {
    if (policy_) policy_->OnLink(event);
    if (links_.Apply(event)) {
      Logger(LogModule::kNet).Info("{}", net::ToString(event));
      StateChanged();
    }
  };
  handlers.on_address = [this](const net::AddressEvent& event) {
    if (policy_) policy_->OnAddress(event);
    if (links_.Apply(event)) {
      Logger(LogModule::kNet).Info("{}", net::ToString(event));
      StateChanged();
    }
  };
  handlers.on_synced = [this] {
    if (ready_) return;
    ready_ = true;
    PublishState();
    notifier_.Ready("running");
    kLog.Notice("uplinkd {} running (pid {}), {} link(s), {} modem(s) configured", UPLINKD_VERSION, ::getpid(),
                links_.links().size(), config_.modems.size());
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

Result<void> Daemon::StartDbus() {
  dbus::ManagerActions actions;
  actions.reload = [this]() -> Result<uint64_t> {
    auto before = config_generation_;
    Reload();
    if (config_generation_ == before) return MakeError(ErrorCode::kInvalidArgument, last_reload_result_);
    return config_generation_;
  };
  actions.set_log_level = [this](const std::string& level) {
    config_.log_level = *LogLevelFromName(level);
    Logger::SetMaxLevel(config_.log_level);
    kLog.Notice("log level {} until the next reload", level);
    PublishState();
  };
  auto service = dbus::DbusService::Create(*bus_, [this] { bus_bridge_->Kick(); }, std::move(actions),
                                           config_.dbus_access.access_group, ManagerDbusState(PolicyWans()));
  if (!service) return tl::unexpected(service.error());
  dbus_ = std::move(*service);
  return {};
}

nlohmann::json Daemon::PolicyWans() const { return policy_ ? policy_->WansJson() : nlohmann::json::array(); }

dbus::ManagerProperties Daemon::ManagerDbusState(const nlohmann::json& wans) const {
  dbus::ManagerProperties properties;
  properties.version = UPLINKD_VERSION;
  if (modems_) {
    for (const auto& state : modems_->States()) properties.uplinks_up += state.wan_up ? 1 : 0;
  }
  properties.uplinks_configured = static_cast<uint32_t>(config_.modems.size());
  if (policy_) {
    // With a policy the uplinks are its Wans, and each traffic class has a path.
    properties.uplinks_configured = static_cast<uint32_t>(wans.size());
    properties.uplinks_up = 0;
    for (const auto& wan : wans) properties.uplinks_up += wan.value("usable", false) ? 1 : 0;
    auto paths = policy_->PathsJson();  // items() must not outlive it
    for (const auto& [traffic_class, path] : paths.items()) {
      if (!path.is_object()) continue;  // not a class (a counter)
      properties.paths[traffic_class] = path.contains("wan") && path["wan"].is_string() ? path["wan"].get<std::string>() : "";
    }
  }
  properties.state = dbus::OverallState(ready_, stopping_, properties.uplinks_up, properties.uplinks_configured);
  properties.config_path = command_line_.config_path;
  properties.config_generation = config_generation_;
  properties.last_reload = last_reload_result_;
  properties.log_level = Logger::LevelName(config_.log_level);
  properties.start_time = started_unix_;
  return properties;
}

void Daemon::StartPolicy() {
  if (!config_.policy.enabled()) return;
  Logger log(LogModule::kPolicy);
  auto nftables = net::LibnftnlEdge::Create();
  if (!nftables) {
    log.Error("multi-WAN policy not started: nftables: {}", Describe(nftables.error()));
    return;
  }
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
  policy_ = std::make_unique<policy::PolicyController>(config_.policy, std::move(dependencies), [this] {
    UpdateAlertRoutes();
    StateChanged();
  });
  policy_->Start();
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
  UpdateAlertRoutes();
}

relay::SocketOptions Daemon::AlertSocketOptions() const {
  relay::SocketOptions options;
  options.priority = config_.alerts.socket_priority;
  options.mark = config_.alerts.socket_mark;
  if (config_.alerts.rto_min_ms > 0) options.rto_min_us = static_cast<uint32_t>(config_.alerts.rto_min_ms) * 1000;
  return options;
}

void Daemon::UpdateAlertRoutes() {
  if (!alerts_ || !policy_) return;
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = policy_->Endpoints();
  if (const auto& decision = policy_->decision()) {
    const auto& path = decision->path(policy::TrafficClass::kAlert);
    if (!path.wans.empty()) inputs.alert_wan = path.wans.front().wan;
  }
  inputs.duplicate_when_degraded = config_.alerts.duplicate_when_degraded;
  inputs.socket = AlertSocketOptions();
  alerts_->SetRoutes(AlertRoutePlanner::Plan(inputs));
}

nlohmann::json Daemon::AlertsStatus() const {
  if (alerts_) return alerts_->Status();
  nlohmann::json status = {{"enabled", config_.alerts.enabled}};
  if (!alerts_error_.empty()) status["error"] = alerts_error_;
  return status;
}

nlohmann::json Daemon::InferenceStatus() const {
  nlohmann::json status = {{"enabled", config_.inference.enabled}};
  if (!inference_error_.empty()) status["error"] = inference_error_;
  if (!inference_) return status;
  static constexpr const char* kStates[] = {"stopped", "running", "backing-off", "stopping"};
  const auto& stats = inference_->stats();
  status["state"] = kStates[static_cast<int>(inference_->state())];
  status["pid"] = inference_->pid();
  status["starts"] = stats.starts;
  status["exits"] = stats.exits;
  status["watchdog_kills"] = stats.watchdog_kills;
  return status;
}

void Daemon::OnModemState(const modem::ModemWanState& state) {
  if (policy_) policy_->OnModemState(state);
  StateChanged();
}

void Daemon::OnModemEvent(const modem::ModemEvent& event) {
  auto entry = modem::ToJson(event);
  entry["time"] = std::time(nullptr);
  recent_events_.push_back(std::move(entry));
  if (recent_events_.size() > kRecentEvents) recent_events_.pop_front();
  StateChanged();
}

void Daemon::StateChanged() {
  if (publish_posted_ || !ready_) return;
  publish_posted_ = true;
  boost::asio::post(io_, [this] {
    publish_posted_ = false;
    if (!stopping_) PublishState();
  });
}

int Daemon::Run() {
  io_.run();
  return 0;
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
    PublishState();
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
  if (dbus_) dbus_->SetAccessGroup(config_.dbus_access.access_group);
  last_reload_result_ = "applied";
  kLog.Notice("configuration {} applied", config_generation_);
  notifier_.Status("running");
  PublishState();
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
  if (policy_) policy_->Stop();
  if (modems_) modems_->Shutdown();
  if (inference_) inference_->Stop();
  if (alerts_) alerts_->Stop();
  if (dbus_) dbus_->PublishManager(ManagerDbusState(PolicyWans()));  // State "stopping"
  dbus_.reset();  // InterfacesRemoved, then org.uplinkd1 is released
  if (netlink_monitor_) netlink_monitor_->Stop();
  if (bus_bridge_) bus_bridge_->Stop();
  if (status_writer_) status_writer_->Remove();
  io_.stop();
}

nlohmann::json Daemon::BuildStatus(const nlohmann::json& wans) const {
  auto modems = nlohmann::json::array();
  if (modems_) {
    for (const auto& state : modems_->States()) modems.push_back(modem::ToJson(state));
  }
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(scheduler_.Now() - started_at_);
  return {
      {"version", UPLINKD_VERSION},
      {"pid", ::getpid()},
      {"uptime_s", uptime.count()},
      {"config", {{"path", command_line_.config_path}, {"generation", config_generation_},
                  {"last_reload", last_reload_result_}}},
      {"bus", config_.bus},
      {"modems", modems},
      {"links", links_.ToJson()},
      {"wans", wans},
      {"paths", policy_ ? policy_->PathsJson() : nlohmann::json::object()},
      {"inference", InferenceStatus()},
      {"alerts", AlertsStatus()},
      {"recent_events", nlohmann::json(recent_events_)},
  };
}

void Daemon::PublishState() {
  const nlohmann::json policy_wans = PolicyWans();
  if (dbus_) {
    dbus_->PublishManager(ManagerDbusState(policy_wans));
    dbus_->PublishModems(modems_ ? modems_->States() : std::vector<modem::ModemWanState>{});
    std::vector<dbus::WanProperties> wans;
    if (policy_) {
      for (const auto& status : policy_wans) {
        std::vector<std::string> addresses;
        if (const auto* link = links_.Find(status.value("interface", ""))) {
          for (const auto& address : link->addresses) addresses.push_back(address.ToString());
        }
        wans.push_back(dbus::WanPropertiesFromStatus(status, std::move(addresses)));
      }
    }
    dbus_->PublishWans(wans);
    std::optional<dbus::AlertRelayProperties> relay;
    if (alerts_) relay = dbus::AlertRelayPropertiesFromStatus(alerts_->Status());
    dbus_->PublishAlertRelay(relay, [this](const std::string& submission, uint32_t uid) {
      if (alerts_) return alerts_->HandleSubmission(submission, uid);
      return std::string(R"({"ok": false, "error": "busy", "message": "the relay stopped", "retryable": true})");
    });
  }
  if (!status_writer_) return;
  if (auto written = status_writer_->Write(BuildStatus(policy_wans)); !written) {
    kLog.Warning("cannot publish state: {}", Describe(written.error()));
  }
}

}  // namespace uplinkd
