#include "daemon/systemd_notifier.h"

#include "base/logger.h"

#ifdef UPLINKD_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace uplinkd {

void SystemdNotifier::Send(const std::string& state) {
#ifdef UPLINKD_HAVE_LIBSYSTEMD
  // unset_environment=0: children (the inference worker) must not inherit NOTIFY_SOCKET, so the
  // supervisor clears it for them instead.
  int result = sd_notify(0, state.c_str());
  if (result < 0) Logger(LogModule::kDaemon).Debug("sd_notify failed: {}", result);
#else
  (void)state;
#endif
}

void SystemdNotifier::Ready(const std::string& status) { Send("READY=1\nSTATUS=" + status); }
void SystemdNotifier::Status(const std::string& status) { Send("STATUS=" + status); }
void SystemdNotifier::Stopping() {
  watchdog_timer_.Cancel();
  Send("STOPPING=1");
}

void SystemdNotifier::StartWatchdog() {
#ifdef UPLINKD_HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_interval_ = std::chrono::milliseconds(usec / 2000);
    if (watchdog_interval_.count() == 0) watchdog_interval_ = std::chrono::milliseconds(1);
    Logger(LogModule::kDaemon).Info("watchdog enabled, pinging every {} ms", watchdog_interval_.count());
    PingWatchdog();
  }
#endif
}

void SystemdNotifier::PingWatchdog() {
  Send("WATCHDOG=1");
  watchdog_timer_ = scheduler_.RunAfter(watchdog_interval_, [this] { PingWatchdog(); });
}

}  // namespace uplinkd
