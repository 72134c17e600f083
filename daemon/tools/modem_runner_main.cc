// uplinkd-modem-runner: the modem layer alone, exactly as the daemon runs it (ModemFleet on the
// real ModemManager edge and the real kernel edge, one asio loop), printing every published Wan
// state and event as a JSON line on stdout. For field diagnosis ("is it the modem or the
// policy?") and as the driver of the modem lab tests and benchmarks.
//
//   uplinkd-modem-runner --config FILE [--bus system|ADDRESS] [--log-level LEVEL] [--runtime-dir DIR]
//
// DHCP and PPP bearers run busybox udhcpc / pppd; their script and options files go to
// --runtime-dir (default /run/uplinkd-modem-runner).
//
// Each line: {"mono_ns": CLOCK_MONOTONIC ns, "type": "ready"|"state"|"event", ...}.
// SIGTERM/SIGINT: removes the addresses it configured (bearers stay up) and exits 0.
#include <time.h>

#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>
#include <sdbus-c++/IConnection.h>
#include <sdbus-c++/Error.h>

#include "daemon/config/config_loader.h"
#include "base/asio_scheduler.h"
#include "base/logger.h"
#include "net/libnl_routing_edge.h"
#include "base/sdbus_asio_bridge.h"
#include "modem/modem_fleet.h"
#include "modem/modem_wan_state_json.h"
#include "modem/process_bearer_ip_client_launcher.h"
#include "modem/sdbus_modem_manager_edge.h"

namespace {

int64_t MonotonicNs() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
}

void PrintLine(nlohmann::json line) {
  line["mono_ns"] = MonotonicNs();
  std::cout << line.dump() << std::endl;  // endl: each line reaches the reader at once
}

int Usage() {
  std::cerr << "usage: uplinkd-modem-runner --config FILE [--bus system|ADDRESS] [--log-level LEVEL]"
               " [--runtime-dir DIR]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace uplinkd;
  std::string config_path;
  std::string bus_override;
  std::string log_level;
  std::string runtime_dir = "/run/uplinkd-modem-runner";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i + 1 >= argc) return Usage();
    if (arg == "--config") {
      config_path = argv[++i];
    } else if (arg == "--bus") {
      bus_override = argv[++i];
    } else if (arg == "--log-level") {
      log_level = argv[++i];
    } else if (arg == "--runtime-dir") {
      runtime_dir = argv[++i];
    } else {
      return Usage();
    }
  }
  if (config_path.empty()) return Usage();

  Logger log(LogModule::kModem);
  auto loaded = config::ConfigLoader::LoadFile(config_path);
  if (!loaded.ok()) {
    for (const auto& issue : loaded.issues) std::cerr << issue.ToString() << "\n";
    return 1;
  }
  config::DaemonConfig config = std::move(loaded.config);
  Logger::SetMaxLevel(config.log_level);
  if (!log_level.empty()) {
    auto level = LogLevelFromName(log_level);
    if (!level) return Usage();
    Logger::SetMaxLevel(*level);
  }
  if (!bus_override.empty()) config.bus = bus_override;

  std::unique_ptr<sdbus::IConnection> bus;
  try {
    bus = config.bus == "system" ? sdbus::createSystemBusConnection()
                                 : sdbus::createSessionBusConnectionWithAddress(config.bus);
  } catch (const sdbus::Error& error) {
    log.Error("cannot connect to D-Bus {}: {}", config.bus, error.getMessage());
    return 1;
  }
  auto routing = net::LibnlRoutingEdge::Create();
  if (!routing) {
    log.Error("cannot open rtnetlink: {}", Describe(routing.error()));
    return 1;
  }

  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  SdbusAsioBridge bridge(io, *bus);
  modem::SdbusModemManagerEdge edge(*bus, scheduler, [&bridge] { bridge.Kick(); }, config.modem_manager_service);
  std::mt19937_64 generator{std::random_device{}()};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  modem::ModemSupervisor::Dependencies dependencies;
  dependencies.edge = &edge;
  dependencies.scheduler = &scheduler;
  dependencies.routing = routing->get();
  dependencies.uniform01 = [&] { return uniform(generator); };
  modem::ProcessBearerIpClientLauncher::Settings helper_settings;
  helper_settings.runtime_dir = runtime_dir;
  modem::ProcessBearerIpClientLauncher ip_clients(io, scheduler, helper_settings);
  dependencies.ip_clients = &ip_clients;
  modem::ModemFleet fleet(
      config.modems, dependencies,
      [](const modem::ModemWanState& state) { PrintLine({{"type", "state"}, {"state", modem::ToJson(state)}}); },
      [](const modem::ModemEvent& event) { PrintLine({{"type", "event"}, {"event", modem::ToJson(event)}}); });

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    fleet.Shutdown();
    bridge.Stop();
    io.stop();
  });
  bridge.Start();
  fleet.Start();
  bridge.Kick();
  PrintLine({{"type", "ready"}, {"modems", config.modems.size()}});
  io.run();
  return 0;
}
