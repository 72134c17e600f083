#pragma once
// One helper program run by the daemon (udhcpc, pppd, the inference worker), on the daemon's
// io_context: its stdout and stderr arrive as lines through a pipe (or stay the daemon's), its
// exit through a pidfd, so nothing waits on it. The one place uplinkd forks, so every child gets
// the same hygiene:
// - stdin is /dev/null; only 0, 1, 2 and the descriptors asked for reach it (close_range, with a
//   fallback for kernels before 5.9), whatever the daemon forgot to mark close-on-exec;
// - the environment is exactly the one given (no NOTIFY_SOCKET, no WATCHDOG_* of the daemon's);
// - signal mask and dispositions are reset, it leads a session of its own, it gets
//   `death_signal` if the daemon dies (PR_SET_PDEATHSIG);
// - optionally limits, a uid/gid with no supplementary groups (checked irreversible), and
//   no-new-privileges;
// - the program is opened by the daemon and executed from that descriptor (execveat), so a
//   worker dropped to another uid runs even when it could not walk the path to its binary (a
//   checkout under /root, mode 0700);
// - when a step before the program runs fails, the child reports the step and errno through a
//   close-on-exec pipe: the exit status names them, not only "127".
#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/descriptor_closer.h"
#include "base/result.h"

namespace uplinkd {

class ChildProcess {
 public:
  struct ExitStatus {
    bool signalled = false;  // killed by signal `code`
    int code = 0;            // exit status or signal number
    // Set when the child failed before the program ran: the step, errno, program and uid.
    std::string setup_failure;
  };
  struct Handlers {
    std::function<void(const std::string& line)> line;  // one line of output, without the newline
    std::function<void(const ExitStatus&)> exited;      // after every line it wrote has been delivered
  };
  struct Options {
    std::vector<std::string> argv;         // argv[0]: the program, an absolute path
    std::vector<std::string> environment;  // replaces ours entirely
    bool capture_output = true;            // false: stdout and stderr stay the daemon's
    // {our descriptor, its number in the child (>= 3)}: passed on; ours stays ours to close.
    std::vector<std::pair<int, int>> descriptors;
    std::optional<uid_t> uid;  // with gid: setgroups(0), setgid, setuid before exec
    std::optional<gid_t> gid;
    bool no_new_privileges = false;
    std::vector<std::pair<int, rlim_t>> limits;  // {RLIMIT_*, soft = hard}
    int death_signal = SIGTERM;
    // Test seam: start closing descriptors with a fallback, as on a kernel without close_range.
    DescriptorCloser::Method close_method = DescriptorCloser::Method::kCloseRange;
  };

  static Result<std::unique_ptr<ChildProcess>> Spawn(boost::asio::io_context& io, Options options, Handlers handlers);
  // A plain helper: output captured, SIGTERM on our death.
  static Result<std::unique_ptr<ChildProcess>> Spawn(boost::asio::io_context& io, const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& environment, Handlers handlers);
  // Still running: SIGKILL and reap (a short blocking wait: only at teardown, after Terminate
  // had its grace period, or when the daemon exits).
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void SetHandlers(Handlers handlers) { handlers_ = std::move(handlers); }
  // False when the child is gone (reaped, or exited but not yet reaped: ESRCH).
  bool Signal(int signal);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // "exit status 1", "killed by signal 15", "exit status 127: exec failed: ..."
  static std::string Describe(const ExitStatus& status);

 private:
  ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, int output_fd, int report_fd, std::string program,
               std::string identity, Handlers handlers);
  void WatchExit();
  void ReadOutput();
  void Consume(const char* data, size_t size);
  void DrainOutput();  // non-blocking: whatever the pipe still holds when the process has exited
  std::string ReadSetupFailure();
  void OnExit();

  pid_t pid_ = -1;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::posix::stream_descriptor output_;
  int report_fd_ = -1;  // the read end of the child's set-up report pipe
  std::string program_;
  std::string identity_;  // "uid 65534 gid 65534", for the set-up failure message
  Handlers handlers_;
  std::array<char, 2048> buffer_{};
  std::string partial_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd
