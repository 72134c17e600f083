#include "inference/inference_worker_supervisor.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace uplinkd::inference {
namespace {

constexpr int kHeartbeatFd = 3;

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int PidfdSendSignal(int pidfd, int signal) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0));
}

// Everything below runs in the forked child before exec: only async-signal-safe calls, and the
// exit code says which step failed (the parent logs it when it sees the exit).
[[noreturn]] void ChildAfterFork(int heartbeat_write, const std::vector<char*>& argv, const std::vector<char*>& envp,
                                 const WorkerSupervisorSettings& settings, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(120);  // the daemon died between fork and prctl
  if (heartbeat_write == kHeartbeatFd) {
    ::fcntl(kHeartbeatFd, F_SETFD, 0);
  } else if (::dup2(heartbeat_write, kHeartbeatFd) < 0) {
    ::_exit(121);
  }
  ::syscall(SYS_close_range, kHeartbeatFd + 1, ~0U, 0);
  sigset_t all;
  sigemptyset(&all);
  ::sigprocmask(SIG_SETMASK, &all, nullptr);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD}) ::signal(s, SIG_DFL);
  ::setsid();
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = settings.max_address_space_bytes;
  if (settings.max_address_space_bytes > 0 && ::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(122);
  limit.rlim_cur = limit.rlim_max = settings.max_open_files;
  if (settings.max_open_files > 0 && ::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(122);
  limit.rlim_cur = limit.rlim_max = 0;
  ::setrlimit(RLIMIT_CORE, &limit);
  if (::geteuid() == 0) {
    if (!settings.uid || !settings.gid) ::_exit(123);
    if (::setgroups(0, nullptr) != 0 || ::setgid(*settings.gid) != 0 || ::setuid(*settings.uid) != 0) ::_exit(124);
    if (::setuid(0) == 0) ::_exit(124);  // the drop must be irreversible
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(125);
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

const char* DescribeSetupExit(int code) {
  switch (code) {
    case 120: return " (daemon exited during start)";
    case 121: return " (heartbeat fd setup failed)";
    case 122: return " (setrlimit failed)";
    case 123: return " (running as root without a configured uid/gid)";
    case 124: return " (dropping privileges failed)";
    case 125: return " (PR_SET_NO_NEW_PRIVS failed)";
    case 127: return " (exec failed)";
    default: return "";
  }
}

}  // namespace

InferenceWorkerSupervisor::InferenceWorkerSupervisor(boost::asio::io_context& io, Scheduler& scheduler,
                                                     WorkerSupervisorSettings settings)
    : io_(io), scheduler_(scheduler), settings_(std::move(settings)), next_backoff_(settings_.first_backoff) {}

InferenceWorkerSupervisor::~InferenceWorkerSupervisor() {
  restart_timer_.Cancel();
  watchdog_.Cancel();
  kill_timer_.Cancel();
  if (pid_ > 0 && pidfd_) {
    // No loop to wait on any more: kill and reap synchronously so no zombie is left behind.
    PidfdSendSignal(pidfd_->native_handle(), SIGKILL);
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd_->native_handle()), &info, WEXITED);
  }
  CloseChild();
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
  // Everything the child needs is built before fork: no allocation after it.
  std::vector<std::string> argument_strings{settings_.executable};
  argument_strings.insert(argument_strings.end(), settings_.arguments.begin(), settings_.arguments.end());
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "UPLINKD_HEARTBEAT_", 18) != 0) environment.emplace_back(*e);
  }
  environment.push_back("UPLINKD_HEARTBEAT_FD=" + std::to_string(kHeartbeatFd));
  environment.push_back("UPLINKD_HEARTBEAT_MS=" + std::to_string(settings_.heartbeat_interval.count()));
  environment.insert(environment.end(), settings_.extra_environment.begin(), settings_.extra_environment.end());
  std::vector<char*> argv, envp;
  for (auto& s : argument_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : environment) envp.push_back(s.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ++stats_.spawn_failures;
    return MakeError(ErrorCode::kSystem, "pipe2 for the worker heartbeat", errno);
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ++stats_.spawn_failures;
    return MakeError(ErrorCode::kSystem, "fork for the inference worker", saved);
  }
  if (pid == 0) ChildAfterFork(pipe_fds[1], argv, envp, settings_, parent);
  ::close(pipe_fds[1]);
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int saved = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    ++stats_.spawn_failures;
    return MakeError(ErrorCode::kSystem, "pidfd_open for the inference worker", saved);
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  pid_ = pid;
  pidfd_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pidfd);
  heartbeat_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, pipe_fds[0]);
  state_ = State::kRunning;
  started_at_ = scheduler_.Now();
  ++stats_.starts;
  log_.Info("inference worker started: pid {} ({})", pid_, settings_.executable);
  WatchExit();
  ReadHeartbeat();
  if (settings_.heartbeat_timeout.count() > 0) ArmWatchdog(settings_.startup_grace);
  return {};
}

void InferenceWorkerSupervisor::WatchExit() {
  // A pidfd becomes readable when its process exits.
  pidfd_->async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    OnExit();
  });
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
  if (pidfd_ && PidfdSendSignal(pidfd_->native_handle(), signal) != 0 && errno != ESRCH) {
    log_.Error("signal {} to inference worker {}: {}", signal, pid_, std::strerror(errno));
  }
}

void InferenceWorkerSupervisor::OnExit() {
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_->native_handle()), &info, WEXITED | WNOHANG) != 0 || info.si_pid == 0) {
    WatchExit();  // spurious wake-up
    return;
  }
  ExitInfo exit;
  exit.signalled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  exit.code = info.si_status;
  last_exit_ = exit;
  ++stats_.exits;
  watchdog_.Cancel();
  kill_timer_.Cancel();
  if (exit.signalled) {
    log_.Warning("inference worker {} killed by signal {}", pid_, exit.code);
  } else {
    log_.Warning("inference worker {} exited with status {}{}", pid_, exit.code, DescribeSetupExit(exit.code));
  }
  CloseChild();
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
  if (pidfd_) pidfd_->close(ignored);
  if (heartbeat_) heartbeat_->close(ignored);
  pidfd_.reset();
  heartbeat_.reset();
  pid_ = -1;
}

}  // namespace uplinkd::inference
