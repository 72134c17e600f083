// uplinkd-mock-mm: the lab's mock ModemManager. See docs/mock-modemmanager.md.
//   uplinkd-mock-mm --bus ADDRESS --config FILE.json [--log-level debug]
// Owns org.freedesktop.ModemManager1 on the given bus, prints READY on stdout once the modems
// are exported, exits 0 on SIGTERM/SIGINT.
#include <cstdio>
#include <cstring>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <sdbus-c++/sdbus-c++.h>

#include "base/asio_scheduler.h"
#include "base/logger.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_config.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"
#include "base/sdbus_asio_bridge.h"

namespace uplinkd::lab {
namespace {

const Logger kLog(LogModule::kLab);

struct Options {
  std::string bus;
  std::string config;
  LogLevel log_level = LogLevel::kInfo;
};

int Usage(const char* problem) {
  std::fprintf(stderr, "uplinkd-mock-mm: %s\nusage: uplinkd-mock-mm --bus ADDRESS --config FILE.json [--log-level LEVEL]\n",
               problem);
  return 2;
}

// A scheduler whose timer callbacks also let the bus connection flush what they sent.
class PumpedScheduler : public Scheduler {
 public:
  PumpedScheduler(Scheduler& inner, SdbusAsioBridge& pump) : inner_(inner), pump_(pump) {}
  SteadyTime Now() const override { return inner_.Now(); }
  TimerHandle RunAfter(std::chrono::milliseconds delay, std::function<void()> callback) override {
    return inner_.RunAfter(delay, [this, callback = std::move(callback)] {
      callback();
      pump_.Kick();
    });
  }

 private:
  Scheduler& inner_;
  SdbusAsioBridge& pump_;
};

int Run(const Options& options) {
  auto config = LoadMockConfig(options.config);
  if (!config) {
    kLog.Error("config: {}", config.error().message);
    return 2;
  }
  std::unique_ptr<sdbus::IConnection> connection;
  try {
    connection = sdbus::createSessionBusConnectionWithAddress(options.bus);
  } catch (const sdbus::Error& error) {
    kLog.Error("cannot connect to {}: {}", options.bus, error.getMessage());
    return 1;
  }

  boost::asio::io_context io;
  SdbusAsioBridge pump(io, *connection);
  AsioScheduler asio_scheduler(io);
  PumpedScheduler scheduler(asio_scheduler, pump);
  MockModemManagerService service(io, *connection, pump, scheduler, *config);
  try {
    // Like ModemManager: the name first, then the modems appear through the ObjectManager.
    connection->requestName(kModemManagerService);
    service.Start();
  } catch (const sdbus::Error& error) {
    kLog.Error("cannot serve {}: {}", kModemManagerService, error.getMessage());
    return 1;
  }
  pump.Start();

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&io](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    kLog.Info("signal {}: exiting", signal_number);
    io.stop();
  });
  // The lab waits for this line before it talks to the bus.
  std::fputs("READY\n", stdout);
  std::fflush(stdout);
  kLog.Notice("serving {} modems as {} on {}", config->modems.size(), kModemManagerService, options.bus);
  io.run();
  return 0;
}

}  // namespace
}  // namespace uplinkd::lab

int main(int argc, char** argv) {
  using uplinkd::lab::Options;
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "--bus") {
      const char* v = next();
      if (!v) return uplinkd::lab::Usage("--bus needs an address");
      options.bus = v;
    } else if (arg == "--config") {
      const char* v = next();
      if (!v) return uplinkd::lab::Usage("--config needs a file");
      options.config = v;
    } else if (arg == "--log-level") {
      const char* v = next();
      auto level = v ? uplinkd::LogLevelFromName(v) : std::nullopt;
      if (!level) return uplinkd::lab::Usage("--log-level takes error, warning, notice, info or debug");
      options.log_level = *level;
    } else {
      return uplinkd::lab::Usage(("unknown argument " + arg).c_str());
    }
  }
  if (options.bus.empty() || options.config.empty()) return uplinkd::lab::Usage("--bus and --config are required");
  uplinkd::Logger::SetMaxLevel(options.log_level);
  return uplinkd::lab::Run(options);
}
