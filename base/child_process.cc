#include "base/child_process.h"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

namespace uplinkd {
namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// The step a child failed at; also its exit status.
enum SetupStep : int32_t {
  kParentGone = 120,
  kDescriptors = 121,
  kLimits = 122,
  kIdentity = 124,
  kNoNewPrivileges = 125,
  kExec = 127,
};

const char* StepName(int32_t step) {
  switch (step) {
    case kParentGone: return "the daemon exited during start";
    case kDescriptors: return "setting up descriptors failed";
    case kLimits: return "setrlimit failed";
    case kIdentity: return "dropping privileges failed";
    case kNoNewPrivileges: return "PR_SET_NO_NEW_PRIVS failed";
    case kExec: return "exec failed";
    default: return "set-up failed";
  }
}

struct SetupReport {
  int32_t step;
  int32_t error;
};

// Everything the child needs, built before fork: nothing is allocated after it.
struct ChildPlan {
  std::vector<char*> argv;
  std::vector<char*> envp;
  const ChildProcess::Options* options = nullptr;
  int exec_fd = -1;
  bool script = false;  // "#!": the interpreter reads the program through /dev/fd/N, so it stays open
  int null_fd = -1;
  int output_write = -1;  // -1: stdout and stderr stay ours
  int report_write = -1;
  pid_t parent = 0;
};

[[noreturn]] void Fail(int report_write, int32_t step, int error) {
  SetupReport report{step, error};
  ssize_t ignored = ::write(report_write, &report, sizeof report);
  (void)ignored;
  ::_exit(step);
}

// Runs in the forked child before exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const ChildPlan& plan) {
  const ChildProcess::Options& options = *plan.options;
  int report = plan.report_write;
  if (::prctl(PR_SET_PDEATHSIG, options.death_signal) != 0) Fail(report, kParentGone, errno);
  if (::getppid() != plan.parent) Fail(report, kParentGone, 0);

  // Move every descriptor we hand on above the numbers the child's descriptors take, so placing
  // one cannot overwrite another; the moved copies are close-on-exec.
  int floor = 3;
  for (const auto& [ours, theirs] : options.descriptors) floor = std::max(floor, theirs + 1);
  auto lift = [&](int fd) {
    if (fd < 0) return fd;
    int lifted = ::fcntl(fd, F_DUPFD_CLOEXEC, floor);
    if (lifted < 0) Fail(report, kDescriptors, errno);
    return lifted;
  };
  report = lift(report);
  int exec_fd = lift(plan.exec_fd);
  int null_fd = lift(plan.null_fd);
  int output = lift(plan.output_write);
  int sources[DescriptorCloser::kMaxKept];
  size_t count = 0;
  for (const auto& [ours, theirs] : options.descriptors) sources[count++] = lift(ours);
  if (::dup2(null_fd, 0) < 0) Fail(report, kDescriptors, errno);
  if (output >= 0 && (::dup2(output, 1) < 0 || ::dup2(output, 2) < 0)) Fail(report, kDescriptors, errno);
  int keep[DescriptorCloser::kMaxKept];
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i) {
    int theirs = options.descriptors[i].second;
    if (::dup2(sources[i], theirs) < 0) Fail(report, kDescriptors, errno);  // dup2 clears close-on-exec
    keep[kept++] = theirs;
  }
  keep[kept++] = report;   // close-on-exec: gone once the program runs
  keep[kept++] = exec_fd;  // likewise, unless a script needs it
  DescriptorCloser::CloseFrom(3, keep, kept, options.close_method);

  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) ::signal(s, SIG_DFL);  // fails harmlessly for the libc's own
  }
  ::setsid();
  for (const auto& [resource, value] : options.limits) {
    rlimit limit{value, value};
    if (::setrlimit(resource, &limit) != 0) Fail(report, kLimits, errno);
  }
  if (options.uid && options.gid) {
    if (::setgroups(0, nullptr) != 0) Fail(report, kIdentity, errno);
    if (::setgid(*options.gid) != 0 || ::setuid(*options.uid) != 0) Fail(report, kIdentity, errno);
    if (*options.uid != 0 && ::setuid(0) == 0) Fail(report, kIdentity, EPERM);  // the drop must be irreversible
  }
  if (options.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    Fail(report, kNoNewPrivileges, errno);
  }
  if (plan.script) ::fcntl(exec_fd, F_SETFD, 0);
  ::syscall(SYS_execveat, exec_fd, "", plan.argv.data(), plan.envp.data(), AT_EMPTY_PATH);
  Fail(report, kExec, errno);
}

void CloseAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

bool StartsWithShebang(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;  // not readable by us: an interpreter could not read it either
  char head[2] = {};
  bool shebang = ::read(fd, head, 2) == 2 && head[0] == '#' && head[1] == '!';
  ::close(fd);
  return shebang;
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(boost::asio::io_context& io,
                                                          const std::vector<std::string>& argv,
                                                          const std::vector<std::string>& environment,
                                                          Handlers handlers) {
  Options options;
  options.argv = argv;
  options.environment = environment;
  return Spawn(io, std::move(options), std::move(handlers));
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(boost::asio::io_context& io, Options options,
                                                          Handlers handlers) {
  if (options.argv.empty() || options.argv[0].empty() || options.argv[0][0] != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "a helper needs an absolute program path");
  }
  const std::string& program = options.argv[0];
  if (options.descriptors.size() + 2 > DescriptorCloser::kMaxKept) {
    return MakeError(ErrorCode::kInvalidArgument, "too many descriptors for a helper");
  }
  for (const auto& [ours, theirs] : options.descriptors) {
    if (ours < 0 || theirs < 3) return MakeError(ErrorCode::kInvalidArgument, "a helper's extra descriptors start at 3");
  }
  if (options.uid.has_value() != options.gid.has_value()) {
    return MakeError(ErrorCode::kInvalidArgument, "a helper's uid and gid go together");
  }
  // Opened while we can still walk the path: the child executes this descriptor, whoever it runs as.
  int exec_fd = ::open(program.c_str(), O_PATH | O_CLOEXEC);
  if (exec_fd < 0) {
    int saved = errno;
    return MakeError(saved == ENOENT ? ErrorCode::kNotFound : ErrorCode::kSystem,
                     fmt::format("open {}: {}", program, std::strerror(saved)), saved);
  }
  struct stat info{};
  if (::fstat(exec_fd, &info) != 0 || !S_ISREG(info.st_mode) || (info.st_mode & 0111) == 0) {
    ::close(exec_fd);
    return MakeError(ErrorCode::kPermissionDenied, fmt::format("{} is not an executable file", program), EACCES);
  }

  ChildPlan plan;
  plan.options = &options;
  plan.exec_fd = exec_fd;
  plan.script = StartsWithShebang(program);
  for (auto& s : options.argv) plan.argv.push_back(s.data());
  plan.argv.push_back(nullptr);
  for (auto& s : options.environment) plan.envp.push_back(s.data());
  plan.envp.push_back(nullptr);

  int output_fds[2] = {-1, -1};
  int report_fds[2] = {-1, -1};
  if (options.capture_output && ::pipe2(output_fds, O_CLOEXEC) != 0) {
    int saved = errno;
    CloseAll({exec_fd});
    return MakeError(ErrorCode::kSystem, "pipe2 for a helper", saved);
  }
  if (::pipe2(report_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    int saved = errno;
    CloseAll({exec_fd, output_fds[0], output_fds[1]});
    return MakeError(ErrorCode::kSystem, "pipe2 for a helper", saved);
  }
  plan.null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (plan.null_fd < 0) {
    int saved = errno;
    CloseAll({exec_fd, output_fds[0], output_fds[1], report_fds[0], report_fds[1]});
    return MakeError(ErrorCode::kSystem, "open /dev/null", saved);
  }
  plan.output_write = output_fds[1];
  plan.report_write = report_fds[1];
  plan.parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    CloseAll({exec_fd, output_fds[0], output_fds[1], report_fds[0], report_fds[1], plan.null_fd});
    return MakeError(ErrorCode::kSystem, fmt::format("fork for {}", program), saved);
  }
  if (pid == 0) ExecChild(plan);
  CloseAll({exec_fd, output_fds[1], report_fds[1], plan.null_fd});
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int saved = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    CloseAll({output_fds[0], report_fds[0]});
    return MakeError(ErrorCode::kSystem, fmt::format("pidfd_open for {}", program), saved);
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  if (output_fds[0] >= 0) ::fcntl(output_fds[0], F_SETFL, O_NONBLOCK);
  std::string identity = options.uid ? fmt::format("uid {} gid {}", *options.uid, *options.gid)
                                     : fmt::format("uid {} gid {}", ::geteuid(), ::getegid());
  std::unique_ptr<ChildProcess> child(new ChildProcess(io, pid, pidfd, output_fds[0], report_fds[0], program,
                                                       std::move(identity), std::move(handlers)));
  child->WatchExit();
  if (child->output_.is_open()) child->ReadOutput();
  return child;
}

ChildProcess::ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, int output_fd, int report_fd,
                           std::string program, std::string identity, Handlers handlers)
    : pid_(pid), pidfd_(io, pidfd), output_(io), report_fd_(report_fd), program_(std::move(program)),
      identity_(std::move(identity)), handlers_(std::move(handlers)) {
  if (output_fd >= 0) output_.assign(output_fd);
}

ChildProcess::~ChildProcess() {
  *alive_ = false;
  if (pid_ > 0) {
    ::syscall(SYS_pidfd_send_signal, pidfd_.native_handle(), SIGKILL, nullptr, 0);
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd_.native_handle()), &info, WEXITED);
  }
  boost::system::error_code ignored;
  pidfd_.close(ignored);
  output_.close(ignored);
  if (report_fd_ >= 0) ::close(report_fd_);
}

bool ChildProcess::Signal(int signal) {
  if (pid_ <= 0) return false;
  return ::syscall(SYS_pidfd_send_signal, pidfd_.native_handle(), signal, nullptr, 0) == 0;
}

std::string ChildProcess::Describe(const ExitStatus& status) {
  std::string text = status.signalled ? fmt::format("killed by signal {}", status.code)
                                      : fmt::format("exit status {}", status.code);
  if (!status.setup_failure.empty()) text += ": " + status.setup_failure;
  return text;
}

void ChildProcess::WatchExit() {
  std::weak_ptr<bool> alive = alive_;
  pidfd_.async_wait(boost::asio::posix::descriptor_base::wait_read, [this, alive](const boost::system::error_code& error) {
    if (alive.expired() || error == boost::asio::error::operation_aborted) return;
    OnExit();
  });
}

void ChildProcess::ReadOutput() {
  std::weak_ptr<bool> alive = alive_;
  output_.async_read_some(boost::asio::buffer(buffer_), [this, alive](const boost::system::error_code& error,
                                                                      size_t bytes) {
    if (alive.expired() || error) return;  // EOF or closed: the pidfd reports the exit
    Consume(buffer_.data(), bytes);
    if (!alive.expired() && output_.is_open()) ReadOutput();
  });
}

void ChildProcess::Consume(const char* data, size_t size) {
  std::weak_ptr<bool> alive = alive_;
  partial_.append(data, size);
  size_t start = 0;
  for (size_t newline; (newline = partial_.find('\n', start)) != std::string::npos; start = newline + 1) {
    std::string line = partial_.substr(start, newline - start);
    auto handler = handlers_.line;  // a copy: the handler may replace the handlers or destroy us
    if (handler) handler(line);
    if (alive.expired()) return;  // a handler destroyed us
  }
  partial_.erase(0, start);
  if (partial_.size() > 8192) partial_.clear();  // a runaway line is not worth our memory
}

void ChildProcess::DrainOutput() {
  if (!output_.is_open()) return;
  std::weak_ptr<bool> alive = alive_;
  for (;;) {
    ssize_t n = ::read(output_.native_handle(), buffer_.data(), buffer_.size());
    if (n <= 0) break;
    Consume(buffer_.data(), static_cast<size_t>(n));
    if (alive.expired()) return;
  }
}

std::string ChildProcess::ReadSetupFailure() {
  // Written before the child's _exit, so it is in the pipe by the time the pidfd says it exited.
  SetupReport report{};
  if (report_fd_ < 0 || ::read(report_fd_, &report, sizeof report) != static_cast<ssize_t>(sizeof report)) return "";
  std::string text = StepName(report.step);
  if (report.error != 0) text += fmt::format(": {} (errno {})", std::strerror(report.error), report.error);
  return text + fmt::format("; program {}, as {}", program_, identity_);
}

void ChildProcess::OnExit() {
  siginfo_t info{};
  if (::waitid(P_PIDFD, static_cast<id_t>(pidfd_.native_handle()), &info, WEXITED | WNOHANG) != 0 ||
      info.si_pid == 0) {
    WatchExit();  // spurious wake-up
    return;
  }
  pid_ = -1;
  ExitStatus status;
  status.signalled = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  status.code = info.si_status;
  status.setup_failure = ReadSetupFailure();
  std::weak_ptr<bool> alive = alive_;
  DrainOutput();
  if (alive.expired()) return;
  if (!partial_.empty() && handlers_.line) {
    std::string rest = std::move(partial_);
    partial_.clear();
    auto handler = handlers_.line;
    handler(rest);
    if (alive.expired()) return;
  }
  boost::system::error_code ignored;
  output_.cancel(ignored);
  auto handler = handlers_.exited;  // may destroy us
  if (handler) handler(status);
}

}  // namespace uplinkd
