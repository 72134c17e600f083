#pragma once
// The systemd notify protocol: READY=1, STATUS=, WATCHDOG=1, STOPPING=1. Where there is no
// systemd (OpenWrt's procd) NOTIFY_SOCKET is unset and every call is a no-op.
#include <string>

#include "base/scheduler.h"

namespace uplinkd {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(Scheduler& scheduler) : scheduler_(scheduler) {}

  void Ready(const std::string& status);
  void Status(const std::string& status);
  void Stopping();
  // Pings the watchdog at half the interval the unit asks for (WatchdogSec), from the event loop,
  // so a wedged loop stops the pings and systemd restarts the daemon.
  void StartWatchdog();
  bool watchdog_enabled() const { return watchdog_interval_.count() > 0; }

 private:
  void Send(const std::string& state);
  void PingWatchdog();

  Scheduler& scheduler_;
  std::chrono::milliseconds watchdog_interval_{0};
  TimerHandle watchdog_timer_;
};

}  // namespace uplinkd
