// uplinkd-health-probe: one Wan's health tracking, standalone, for the lab and for diagnosis on a
// gateway. Reads a [health] table (the same keys as [wan.health]), probes through sockets bound
// to --interface and --mark, follows the interface's carrier through netlink, and prints every
// published WanHealth as one JSON line (with "t", CLOCK_MONOTONIC seconds, the clock the lab's
// scripts read). --once sends one probe to each target and prints each outcome instead.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/toml_document.h"
#include "policy/health/health_section.h"
#include "base/asio_scheduler.h"
#include "base/logger.h"
#include "net/libnl_netlink_monitor.h"
#include "policy/health/socket_prober.h"
#include "policy/health/wan_health_tracker.h"

namespace {

using namespace uplinkd;
using namespace uplinkd::policy;

const char* kUsage =
    "usage: uplinkd-health-probe --config FILE [--wan NAME] [--interface IF] [--mark N]\n"
    "                            [--source4 ADDR] [--source6 ADDR] [--duration-s N] [--once]\n"
    "                            [--log-level LEVEL]\n"
    "  FILE holds a [health] table with the keys of [wan.health] (docs/health.md).\n";

double MonotonicSeconds(std::chrono::steady_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

nlohmann::json ToJson(const WanHealth& health) {
  nlohmann::json json = {
      {"t", MonotonicSeconds(std::chrono::steady_clock::now())},
      {"wan", health.wan},
      {"state", WanHealthStateName(health.state)},
      {"degraded", health.degraded},
      {"loss", health.loss},
      {"probes_sent", health.probes_sent},
      {"probes_lost", health.probes_lost},
      {"probe_bytes", health.probe_bytes},
      {"since", MonotonicSeconds(health.since)},
      {"reason", health.reason},
  };
  json["rtt_ms"] = health.rtt_ms ? nlohmann::json(*health.rtt_ms) : nlohmann::json(nullptr);
  json["jitter_ms"] = health.jitter_ms ? nlohmann::json(*health.jitter_ms) : nlohmann::json(nullptr);
  return json;
}

struct Options {
  std::string config;
  std::string wan = "wan";
  ProbeBinding binding;
  int duration_s = 0;  // 0: until SIGTERM/SIGINT
  bool once = false;
  LogLevel log_level = LogLevel::kNotice;
};

bool ParseOptions(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string text;
    if (arg == "--config") {
      if (!value(options.config)) return false;
    } else if (arg == "--wan") {
      if (!value(options.wan)) return false;
    } else if (arg == "--interface") {
      if (!value(options.binding.interface)) return false;
    } else if (arg == "--mark") {
      if (!value(text)) return false;
      options.binding.mark = static_cast<uint32_t>(std::stoul(text, nullptr, 0));
    } else if (arg == "--source4" || arg == "--source6") {
      if (!value(text)) return false;
      auto address = net::IpAddress::Parse(text);
      if (!address) return false;
      (arg == "--source4" ? options.binding.source_v4 : options.binding.source_v6) = *address;
    } else if (arg == "--duration-s") {
      if (!value(text)) return false;
      options.duration_s = std::stoi(text);
    } else if (arg == "--once") {
      options.once = true;
    } else if (arg == "--log-level") {
      if (!value(text)) return false;
      auto level = LogLevelFromName(text);
      if (!level) return false;
      options.log_level = *level;
    } else {
      return false;
    }
  }
  return !options.config.empty();
}

bool ReadSettings(const std::string& file, HealthSettings& settings) {
  std::vector<config::ConfigIssue> issues;
  auto root = config::TomlDocument::ParseFile(file);
  if (!root) {
    std::cerr << root.error().ToString() << "\n";
    return false;
  }
  config::TomlSection top(*root, "", file, issues);
  if (auto health = top.Table("health", true)) config::ReadHealthSection(*health, settings);
  top.RejectUnknownKeys();
  for (const auto& issue : issues) std::cerr << issue.ToString() << "\n";
  return issues.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    if (!ParseOptions(argc, argv, options)) {
      std::cerr << kUsage;
      return 2;
    }
  } catch (const std::exception&) {
    std::cerr << kUsage;
    return 2;
  }
  Logger::SetMaxLevel(options.log_level);
  HealthSettings settings;
  if (!ReadSettings(options.config, settings)) return 2;
  // Without --interface the probes go wherever the routing sends them (diagnosis).
  options.binding.allow_unbound = options.binding.interface.empty();

  boost::asio::io_context io;
  SocketProber prober(io, options.binding);

  if (options.once) {
    std::vector<ProbeHandle> handles;
    size_t pending = settings.targets.size();
    int answered = 0;
    for (const auto& target : settings.targets) {
      auto sent = std::chrono::steady_clock::now();
      handles.push_back(prober.Send(target, [&, target, sent](const ProbeOutcome& outcome) {
        nlohmann::json line = {{"target", DescribeProbeTarget(target)},
                               {"answered", outcome.answered},
                               {"rtt_ms", outcome.rtt.count() / 1000.0},
                               {"bytes", outcome.bytes},
                               {"detail", outcome.detail},
                               {"elapsed_ms", std::chrono::duration<double, std::milli>(
                                                  std::chrono::steady_clock::now() - sent).count()}};
        std::cout << line.dump() << std::endl;
        answered += outcome.answered ? 1 : 0;
        if (--pending == 0) io.stop();
      }));
    }
    AsioScheduler scheduler(io);
    auto deadline = scheduler.RunAfter(settings.timeout, [&] {
      for (const auto& target : settings.targets) (void)target;
      std::cout << nlohmann::json({{"timeout_ms", settings.timeout.count()}, {"unanswered", pending}}).dump()
                << std::endl;
      io.stop();
    });
    io.run();
    return answered == static_cast<int>(settings.targets.size()) ? 0 : 1;
  }

  AsioScheduler scheduler(io);
  WanHealthTracker tracker(options.wan, settings, scheduler, prober,
                           [](const WanHealth& health) { std::cout << ToJson(health).dump() << std::endl; });

  // The interface's carrier, as the daemon will feed it.
  net::LibnlNetlinkMonitor netlink(io);
  bool started = false;
  if (!options.binding.interface.empty()) {
    net::NetlinkHandlers handlers;
    handlers.on_link = [&](const net::LinkEvent& event) {
      if (event.name != options.binding.interface) return;
      tracker.OnLinkChanged(!event.removed && event.admin_up && event.carrier);
    };
    handlers.on_synced = [&] {
      if (!started) {
        started = true;
        tracker.Start();
      }
    };
    if (auto result = netlink.Start(std::move(handlers)); !result) {
      std::cerr << "netlink: " << Describe(result.error()) << "\n";
      return 1;
    }
  } else {
    tracker.Start();
  }

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  TimerHandle duration;
  if (options.duration_s > 0) {
    duration = scheduler.RunAfter(std::chrono::seconds(options.duration_s), [&] { io.stop(); });
  }
  io.run();
  tracker.Stop();
  netlink.Stop();
  return 0;
}
