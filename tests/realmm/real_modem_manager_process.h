#pragma once
// The real ModemManager with one emulated AT modem, for C++ contract tests: starts
// `realmm_harness.py serve` (private dbus-daemon, polkit mock, AT emulator, ModemManager,
// Test.SetProfile) and reads where everything is. Stopping closes the harness's stdin and sends
// SIGTERM to the harness's own PID; the harness stops exactly the processes it started and
// removes its temporary directory.
#include <sys/types.h>

#include <chrono>
#include <string>

#include "base/result.h"

namespace uplinkd::realmm {

class RealModemManagerProcess {
 public:
  struct Options {
    std::string python = "/usr/bin/python3";
    std::string harness;             // path of realmm_harness.py
    std::string emulator_state_json;  // optional ModemState overrides, e.g. {"sim_pin":"1234"}
    std::chrono::milliseconds start_timeout{30000};
  };

  // Starts everything and waits (bounded) until the virtual modem is exported.
  static Result<RealModemManagerProcess> Start(const Options& options);

  RealModemManagerProcess(RealModemManagerProcess&& other) noexcept;
  RealModemManagerProcess& operator=(RealModemManagerProcess&&) = delete;
  RealModemManagerProcess(const RealModemManagerProcess&) = delete;
  RealModemManagerProcess& operator=(const RealModemManagerProcess&) = delete;
  ~RealModemManagerProcess();

  const std::string& bus_address() const { return bus_address_; }
  const std::string& control_socket() const { return control_socket_; }
  const std::string& modem_path() const { return modem_path_; }
  const std::string& workdir() const { return workdir_; }
  const std::string& modemmanager_version() const { return mm_version_; }

  void Stop();

 private:
  RealModemManagerProcess() = default;

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string bus_address_;
  std::string control_socket_;
  std::string modem_path_;
  std::string workdir_;
  std::string mm_version_;
};

}  // namespace uplinkd::realmm
