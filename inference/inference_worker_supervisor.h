#pragma once
// Runs `uplinkd-infer run` as a confined child of the daemon: an unprivileged uid/gid when the
// daemon is root, no new privileges, resource limits, killed with the daemon (PDEATHSIG). The
// child writes a byte to a heartbeat pipe (fd 3, $UPLINKD_HEARTBEAT_FD) every interval; when the
// bytes stop for `heartbeat_timeout` the child is killed. Whenever it exits it is restarted after a
// bounded exponential back-off, reset once a child has stayed up for `stable_after`.
//
// The child is a base/ChildProcess (the daemon's one way to fork: descriptors, environment,
// exec by descriptor, set-up failures reported). Its environment is built here from a short
// allow-list, never the daemon's own (no NOTIFY_SOCKET, no WATCHDOG_*). Exits are watched through
// a pidfd on the io_context (no SIGCHLD handler, so the daemon's own signal_set for
// SIGTERM/SIGINT/SIGHUP is untouched); all timers go through the Scheduler so tests drive
// back-off and the watchdog with a fake clock.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/child_process.h"
#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"

namespace uplinkd::inference {

struct WorkerSupervisorSettings {
  std::string executable = "/usr/libexec/uplinkd/uplinkd-infer";
  std::vector<std::string> arguments = {"run", "--config", "/etc/uplinkd/inference.toml"};  // after argv[0]
  std::vector<std::string> extra_environment;  // "NAME=value", added to WorkerEnvironment's
  // Applied only when the daemon runs as root; a root daemon without them refuses to start a child.
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  uint64_t max_address_space_bytes = 512ull * 1024 * 1024;
  uint64_t max_open_files = 256;
  std::chrono::milliseconds heartbeat_interval{1000};  // passed to the child as $UPLINKD_HEARTBEAT_MS
  std::chrono::milliseconds heartbeat_timeout{5000};   // 0 disables the watchdog
  std::chrono::milliseconds startup_grace{15000};      // before the first heartbeat is due
  std::chrono::milliseconds first_backoff{500};
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::milliseconds stable_after{60000};
  std::chrono::milliseconds stop_grace{3000};  // SIGTERM, then SIGKILL after this
  // Test seam: as on a kernel without close_range (ChildProcess::Options::close_method).
  DescriptorCloser::Method close_method = DescriptorCloser::Method::kCloseRange;
};

class InferenceWorkerSupervisor {
 public:
  enum class State { kStopped, kRunning, kBackingOff, kStopping };
  struct Stats {
    uint64_t starts = 0;
    uint64_t exits = 0;
    uint64_t watchdog_kills = 0;
    uint64_t spawn_failures = 0;
    uint64_t heartbeats = 0;
  };
  struct ExitInfo {
    bool signalled = false;
    int code = 0;  // exit status, or the signal number when signalled
    std::string setup_failure;  // the step, errno, program and uid when it failed before running
  };

  InferenceWorkerSupervisor(boost::asio::io_context& io, Scheduler& scheduler, WorkerSupervisorSettings settings);
  ~InferenceWorkerSupervisor();
  InferenceWorkerSupervisor(const InferenceWorkerSupervisor&) = delete;
  InferenceWorkerSupervisor& operator=(const InferenceWorkerSupervisor&) = delete;

  // Starts the first child; later ones are started by the supervisor itself.
  Result<void> Start();
  // Stops the child (SIGTERM, SIGKILL after stop_grace) and does not restart it.
  void Stop();

  State state() const { return state_; }
  pid_t pid() const { return pid_; }
  const Stats& stats() const { return stats_; }
  std::optional<ExitInfo> last_exit() const { return last_exit_; }
  // The delay the next restart waits (or waited) for.
  std::chrono::milliseconds current_backoff() const { return next_backoff_; }
  void set_exit_observer(std::function<void(const ExitInfo&)> observer) { exit_observer_ = std::move(observer); }

  // The worker's environment: from `daemon_environment` only PATH's fixed value and the
  // allow-listed locale/time-zone/debug names, then the heartbeat and `extra_environment`.
  static std::vector<std::string> WorkerEnvironment(const char* const* daemon_environment,
                                                    const WorkerSupervisorSettings& settings);

 private:
  Result<void> Spawn();
  void ReadHeartbeat();
  void ArmWatchdog(std::chrono::milliseconds timeout);
  void OnWatchdog();
  void OnExit(const ChildProcess::ExitStatus& status);
  void ScheduleRestart();
  void Signal(int signal);
  void CloseChild();

  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  WorkerSupervisorSettings settings_;
  State state_ = State::kStopped;
  pid_t pid_ = -1;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> heartbeat_;
  std::array<char, 64> heartbeat_buffer_{};
  TimerHandle watchdog_;
  TimerHandle restart_timer_;
  TimerHandle kill_timer_;
  SteadyTime started_at_{};
  std::chrono::milliseconds next_backoff_;
  std::optional<ExitInfo> last_exit_;
  std::function<void(const ExitInfo&)> exit_observer_;
  Stats stats_;
  Logger log_{LogModule::kInference};
};

}  // namespace uplinkd::inference
