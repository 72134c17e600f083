#include "base/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

namespace uplinkd::modem {
namespace {

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// Runs in the forked child before exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(int output_write, int null_fd, const std::vector<char*>& argv,
                            const std::vector<char*>& envp, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (::getppid() != parent) ::_exit(120);
  if (::dup2(null_fd, 0) < 0 || ::dup2(output_write, 1) < 0 || ::dup2(output_write, 2) < 0) ::_exit(121);
  ::syscall(SYS_close_range, 3, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGUSR1, SIGUSR2}) ::signal(s, SIG_DFL);
  ::setsid();
  ::execve(argv[0], argv.data(), envp.data());
  ::_exit(127);
}

}  // namespace

Result<std::unique_ptr<ChildProcess>> ChildProcess::Spawn(boost::asio::io_context& io,
                                                          const std::vector<std::string>& argv_strings,
                                                          const std::vector<std::string>& environment,
                                                          Handlers handlers) {
  if (argv_strings.empty() || argv_strings[0].empty() || argv_strings[0][0] != '/') {
    return MakeError(ErrorCode::kInvalidArgument, "a helper needs an absolute program path");
  }
  if (::access(argv_strings[0].c_str(), X_OK) != 0) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{} is not executable", argv_strings[0]), errno);
  }
  // Everything the child needs is built before fork: no allocation after it.
  std::vector<std::string> args = argv_strings;
  std::vector<std::string> env = environment;
  std::vector<char*> argv, envp;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return MakeError(ErrorCode::kSystem, "pipe2 for a helper", errno);
  int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) {
    int saved = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    return MakeError(ErrorCode::kSystem, "open /dev/null", saved);
  }
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    ::close(null_fd);
    return MakeError(ErrorCode::kSystem, fmt::format("fork for {}", argv_strings[0]), saved);
  }
  if (pid == 0) ExecChild(pipe_fds[1], null_fd, argv, envp, parent);
  ::close(pipe_fds[1]);
  ::close(null_fd);
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    int saved = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(pipe_fds[0]);
    return MakeError(ErrorCode::kSystem, fmt::format("pidfd_open for {}", argv_strings[0]), saved);
  }
  ::fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  std::unique_ptr<ChildProcess> child(new ChildProcess(io, pid, pidfd, pipe_fds[0], std::move(handlers)));
  child->WatchExit();
  child->ReadOutput();
  return child;
}

ChildProcess::ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, int output_fd, Handlers handlers)
    : pid_(pid), pidfd_(io, pidfd), output_(io, output_fd), handlers_(std::move(handlers)) {}

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
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0) ::syscall(SYS_pidfd_send_signal, pidfd_.native_handle(), signal, nullptr, 0);
}

std::string ChildProcess::Describe(const ExitStatus& status) {
  if (status.signalled) return fmt::format("killed by signal {}", status.code);
  return fmt::format("exit status {}", status.code);
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
  std::weak_ptr<bool> alive = alive_;
  for (;;) {
    ssize_t n = ::read(output_.native_handle(), buffer_.data(), buffer_.size());
    if (n <= 0) break;
    Consume(buffer_.data(), static_cast<size_t>(n));
    if (alive.expired()) return;
  }
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

}  // namespace uplinkd::modem
