#include "tests/realmm/real_modem_manager_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace uplinkd::realmm {
namespace {

// Reads one line from `fd` before `deadline`; an empty optional-like error on timeout or EOF.
Result<std::string> ReadLine(int fd, std::chrono::steady_clock::time_point deadline) {
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return MakeError(ErrorCode::kTimeout, "the harness printed no line in time");
    pollfd pfd{fd, POLLIN, 0};
    int ready = poll(&pfd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return MakeError(ErrorCode::kSystem, "poll on the harness's stdout", errno);
    if (ready == 0) continue;
    char c = 0;
    ssize_t n = read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return MakeError(ErrorCode::kUnavailable, "the harness exited before it was ready");
    if (c == '\n') return line;
    line.push_back(c);
  }
}

}  // namespace

Result<RealModemManagerProcess> RealModemManagerProcess::Start(const Options& options) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return MakeError(ErrorCode::kSystem, "pipe", errno);
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return MakeError(ErrorCode::kSystem, "pipe", errno);
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);

  std::vector<std::string> args = {options.python, options.harness, "serve"};
  if (!options.emulator_state_json.empty()) {
    args.push_back("--state");
    args.push_back(options.emulator_state_json);
  }
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  RealModemManagerProcess process;
  int rc = posix_spawn(&process.pid_, options.python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(in_pipe[0]);
  close(out_pipe[1]);
  process.stdin_fd_ = in_pipe[1];
  process.stdout_fd_ = out_pipe[0];
  if (rc != 0) {
    process.pid_ = -1;
    return MakeError(ErrorCode::kSystem, fmt::format("spawning {}", options.python), rc);
  }

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  while (true) {
    auto line = ReadLine(process.stdout_fd_, deadline);
    if (!line) {
      return MakeError(line.error().code,
                       line.error().message + " (its stderr, with ModemManager's log tail, is the test's stderr)");
    }
    auto value = [&](std::string_view key) { return line->substr(key.size()); };
    if (line->rfind("BUS=", 0) == 0) process.bus_address_ = value("BUS=");
    if (line->rfind("CONTROL=", 0) == 0) process.control_socket_ = value("CONTROL=");
    if (line->rfind("MODEM=", 0) == 0) process.modem_path_ = value("MODEM=");
    if (line->rfind("WORKDIR=", 0) == 0) process.workdir_ = value("WORKDIR=");
    if (line->rfind("MM_VERSION=", 0) == 0) process.mm_version_ = value("MM_VERSION=");
    if (*line == "READY") break;
  }
  return process;
}

RealModemManagerProcess::RealModemManagerProcess(RealModemManagerProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      stdin_fd_(std::exchange(other.stdin_fd_, -1)),
      stdout_fd_(std::exchange(other.stdout_fd_, -1)),
      bus_address_(std::move(other.bus_address_)),
      control_socket_(std::move(other.control_socket_)),
      modem_path_(std::move(other.modem_path_)),
      workdir_(std::move(other.workdir_)),
      mm_version_(std::move(other.mm_version_)) {}

RealModemManagerProcess::~RealModemManagerProcess() { Stop(); }

void RealModemManagerProcess::Stop() {
  if (stdin_fd_ >= 0) close(std::exchange(stdin_fd_, -1));  // the harness leaves when stdin closes
  if (pid_ > 0) {
    // Waiting on a pidfd wakes on the exit itself. The harness stops ModemManager, the emulator,
    // the polkit mock and the bus (each with its own bounded wait); give it 20 s, then kill it.
    // (glibc 2.36's <sys/pidfd.h> lacks extern "C", so the raw system call.)
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    kill(pid_, SIGTERM);
    int status = 0;
    if (pidfd >= 0) {
      pollfd pfd{pidfd, POLLIN, 0};
      int ready;
      do {
        ready = poll(&pfd, 1, 20000);
      } while (ready < 0 && errno == EINTR);
      close(pidfd);
      if (ready == 0) kill(pid_, SIGKILL);
    }
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) close(std::exchange(stdout_fd_, -1));
}

}  // namespace uplinkd::realmm
