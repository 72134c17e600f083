#include "inference/inference_worker_supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

extern char** environ;

namespace uplinkd::inference {
namespace {

constexpr int kHeartbeatFd = 3;
constexpr const char* kWorkerPath = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
// Names the worker may take from the daemon's environment; everything else (NOTIFY_SOCKET,
// WATCHDOG_*, INVOCATION_ID, credentials a shell left behind) stays with the daemon.
constexpr const char* kAllowed[] = {"LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "TZ",
                                    "UPLINKD_INFER_DEBUG"};

}  // namespace

std::vector<std::string> InferenceWorkerSupervisor::WorkerEnvironment(const char* const* daemon_environment,
                                                                      const WorkerSupervisorSettings& settings) {
  std::vector<std::string> environment{kWorkerPath};
  for (const char* const* e = daemon_environment; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto equals = entry.find('=');
    if (equals == std::string_view::npos) continue;
    for (const char* name : kAllowed) {
      if (entry.substr(0, equals) == name) environment.emplace_back(entry);
    }
  }
  environment.push_back("UPLINKD_HEARTBEAT_FD=" + std::to_string(kHeartbeatFd));
  environment.push_back("UPLINKD_HEARTBEAT_MS=" + std::to_string(settings.heartbeat_interval.count()));
  environment.insert(environment.end(), settings.extra_environment.begin(), settings.extra_environment.end());
  return environment;
}

InferenceWorkerSupervisor::InferenceWorkerSupervisor(boost::asio::io_context& io, Scheduler& scheduler,
                                                     WorkerSupervisorSettings settings)
    : io_(io), scheduler_(scheduler), settings_(std::move(settings)), next_backoff_(settings_.first_backoff) {}

InferenceWorkerSupervisor::~InferenceWorkerSupervisor() {
  restart_timer_.Cancel();
  watchdog_.Cancel();
  kill_timer_.Cancel();
  CloseChild();  // a running child is killed and reaped synchronously: no loop to wait on any more
}

Result<void> InferenceWorkerSupervisor::Start() {
  if (state_ == State::kRunning || state_ == State::kBackingOff) return {};
  if (::geteuid() == 0 && (!settings_.uid || !settings_.gid)) {
    return MakeError(ErrorCode::kPermissionDenied, "the inference worker must not run as root: configure a uid and gid");
  }
  next_backoff_ = settings_.first_backoff;
  auto spawned = Spawn();
  if (!spawned) ScheduleRestart();
  return spawned;
}

void InferenceWorkerSupervisor::Stop() {
  restart_timer_.Cancel();
  watchdog_.Cancel();
  if (state_ == State::kRunning) {
    state_ = State::kStopping;
    Signal(SIGTERM);
    kill_timer_ = scheduler_.RunAfter(settings_.stop_grace, [this] {
      log_.Warning("inference worker {} ignored SIGTERM; killing it", pid_);
      Signal(SIGKILL);
    });
  } else if (state_ != State::kStopping) {
    state_ = State::kStopped;
  }
}

Result<void> InferenceWorkerSupervisor::Spawn() {
  if (::geteuid() == 0 && (!settings_.uid || !settings_.gid)) {
    ++stats_.spawn_failures;
    return MakeError(ErrorCode::kPermissionDenied, "the inference worker must not run as root: configure a uid and gid");
  }
  ChildProcess::Options options;
  options.argv = {settings_.executable};
  options.argv.insert(options.argv.end(), settings_.arguments.begin(), settings_.arguments.end());
  options.environment = WorkerEnvironment(environ, settings_);
  options.capture_output = false;  // the worker logs to the daemon's stderr (the journal) itself
  if (::geteuid() == 0) {
    options.uid = settings_.uid;
    options.gid = settings_.gid;
  }
  options.no_new_privileges = true;
  if (settings_.max_address_space_bytes > 0) options.limits.emplace_back(RLIMIT_AS, settings_.max_address_space_bytes);
  if (settings_.max_open_files > 0) options.limits.emplace_back(RLIMIT_NOFILE, settings_.max_open_files);
  options.limits.emplace_back(RLIMIT_CORE, 0);
  options.death_signal = SIGKILL;
  options.close_method = settings_.close_method;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ++stats_.spawn_failures;
    return MakeError(ErrorCode::kSystem, "pipe2 for the worker heartbeat", errno);
  }
  options.descriptors = {{pipe_fds[1], kHeartbeatFd}};
  ChildProcess::Handlers handlers;
  handlers.exited = [this](const ChildProcess::ExitStatus& status) { OnExit(status); };
  auto child = ChildProcess::Spawn(io_, std::move(options), std::move(handlers));
  ::close(pipe_fds[1]);
  if (!child) {
    ::close(pipe_fds[0]);
    ++stats_.spawn_failures;
    return tl::unexpected(child.error());
  }
  child_ = std::move(*child);
  pid_ = child_->pid();
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  heartbeat_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pipe_fds[0]);
  state_ = State::kRunning;
  started_at_ = scheduler_.Now();
  ++stats_.starts;
  log_.Info("inference worker started: pid {} ({})", pid_, settings_.executable);
  ReadHeartbeat();
  if (settings_.heartbeat_timeout.count() > 0) ArmWatchdog(settings_.startup_grace);
  return {};
}

void InferenceWorkerSupervisor::ReadHeartbeat() {
  heartbeat_->async_read_some(boost::asio::buffer(heartbeat_buffer_),
                              [this](const boost::system::error_code& error, size_t bytes) {
                                if (error) return;  // EOF: the child closed it or exited; the pidfd says which
                                ++stats_.heartbeats;
                                if (bytes > 0 && settings_.heartbeat_timeout.count() > 0 && state_ == State::kRunning) {
                                  ArmWatchdog(settings_.heartbeat_timeout);
                                }
                                ReadHeartbeat();
                              });
}

void InferenceWorkerSupervisor::ArmWatchdog(std::chrono::milliseconds timeout) {
  watchdog_ = scheduler_.RunAfter(timeout, [this] { OnWatchdog(); });
}

void InferenceWorkerSupervisor::OnWatchdog() {
  if (state_ != State::kRunning) return;
  log_.Error("inference worker {} missed its heartbeat for {} ms: killing it", pid_, settings_.heartbeat_timeout.count());
  ++stats_.watchdog_kills;
  Signal(SIGKILL);
}

void InferenceWorkerSupervisor::Signal(int signal) {
  if (child_ && !child_->Signal(signal) && errno != ESRCH) {
    log_.Error("signal {} to inference worker {}: {}", signal, pid_, std::strerror(errno));
  }
}

void InferenceWorkerSupervisor::OnExit(const ChildProcess::ExitStatus& status) {
  ExitInfo exit;
  exit.signalled = status.signalled;
  exit.code = status.code;
  exit.setup_failure = status.setup_failure;
  last_exit_ = exit;
  ++stats_.exits;
  watchdog_.Cancel();
  kill_timer_.Cancel();
  if (exit.signalled) {
    log_.Warning("inference worker {} killed by signal {}", pid_, exit.code);
  } else if (!exit.setup_failure.empty()) {
    log_.Error("inference worker {} exited with status {} before it ran: {}", pid_, exit.code, exit.setup_failure);
  } else {
    log_.Warning("inference worker {} exited with status {}", pid_, exit.code);
  }
  CloseChild();  // the child's exit handler may destroy it (it runs from a copy)
  bool was_stopping = state_ == State::kStopping;
  if (exit_observer_) exit_observer_(exit);
  if (was_stopping) {
    state_ = State::kStopped;
    return;
  }
  if (scheduler_.Now() - started_at_ >= settings_.stable_after) next_backoff_ = settings_.first_backoff;
  ScheduleRestart();
}

void InferenceWorkerSupervisor::ScheduleRestart() {
  state_ = State::kBackingOff;
  auto delay = next_backoff_;
  next_backoff_ = std::min(next_backoff_ * 2, settings_.max_backoff);
  log_.Info("restarting the inference worker in {} ms", delay.count());
  restart_timer_ = scheduler_.RunAfter(delay, [this] {
    if (auto spawned = Spawn(); !spawned) {
      log_.Error("inference worker not started: {}", Describe(spawned.error()));
      ScheduleRestart();
    }
  });
}

void InferenceWorkerSupervisor::CloseChild() {
  boost::system::error_code ignored;
  if (heartbeat_) heartbeat_->close(ignored);
  heartbeat_.reset();
  child_.reset();  // kills and reaps one still running
  pid_ = -1;
}

}  // namespace uplinkd::inference
