#include "daemon/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>

#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Error.h>

#include "daemon/config/config_loader.h"
#include "daemon/core/logger.h"
#include "daemon/sdbus_asio_bridge.h"

namespace uplinkd {
namespace {

const Logger kLog(LogModule::kDaemon);

Result<void> EnsureDirectory(const std::string& path, mode_t mode) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) return MakeError(ErrorCode::kSystem, "create directory " + path, error.value());
  if (::chmod(path.c_str(), mode) != 0) return MakeError(ErrorCode::kSystem, "chmod " + path, errno);
  return {};
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

  WaitForSignals();
  notifier_.StartWatchdog();
  PublishState();
  notifier_.Ready("running");
  kLog.Notice("uplinkd {} running (pid {})", UPLINKD_VERSION, ::getpid());
  return {};
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
      config->state_dir != config_.state_dir) {
    kLog.Warning("bus and directory changes take effect at the next restart");
    config->bus = config_.bus;
    config->runtime_dir = config_.runtime_dir;
    config->state_dir = config_.state_dir;
  }
  config_ = *config;
  ++config_generation_;
  Logger::SetMaxLevel(config_.log_level);
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
  if (bus_bridge_) bus_bridge_->Stop();
  if (status_writer_) status_writer_->Remove();
  io_.stop();
}

nlohmann::json Daemon::BuildStatus() const {
  return {
      {"version", UPLINKD_VERSION},
      {"pid", ::getpid()},
      {"config", {{"path", command_line_.config_path}, {"generation", config_generation_},
                  {"last_reload", last_reload_result_}}},
      {"bus", config_.bus},
  };
}

void Daemon::PublishState() {
  if (!status_writer_) return;
  if (auto written = status_writer_->Write(BuildStatus()); !written) {
    kLog.Warning("cannot publish state: {}", Describe(written.error()));
  }
}

}  // namespace uplinkd
