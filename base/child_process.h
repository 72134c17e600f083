#pragma once
// One helper program run by the modem layer (udhcpc, pppd), on the daemon's io_context: its
// stdout and stderr arrive as lines through a pipe, its exit through a pidfd, so nothing waits
// on it. stdin is /dev/null; no descriptor of ours leaks into it; it gets SIGTERM if the daemon
// dies (PR_SET_PDEATHSIG), so no helper outlives us holding a port or an address.
#include <sys/types.h>

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/result.h"

namespace uplinkd::modem {

class ChildProcess {
 public:
  struct ExitStatus {
    bool signalled = false;  // killed by signal `code`
    int code = 0;            // exit status or signal number
  };
  struct Handlers {
    std::function<void(const std::string& line)> line;  // one line of output, without the newline
    std::function<void(const ExitStatus&)> exited;      // after every line it wrote has been delivered
  };

  // argv[0] must be an absolute path. `environment` replaces ours entirely.
  static Result<std::unique_ptr<ChildProcess>> Spawn(boost::asio::io_context& io, const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& environment, Handlers handlers);
  // Still running: SIGKILL and reap (a short blocking wait: only at teardown, after Terminate
  // had its grace period, or when the daemon exits).
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void SetHandlers(Handlers handlers) { handlers_ = std::move(handlers); }
  void Signal(int signal);
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  static std::string Describe(const ExitStatus& status);  // "exit status 1", "signal 15"

 private:
  ChildProcess(boost::asio::io_context& io, pid_t pid, int pidfd, int output_fd, Handlers handlers);
  void WatchExit();
  void ReadOutput();
  void Consume(const char* data, size_t size);
  void DrainOutput();  // non-blocking: whatever the pipe still holds when the process has exited
  void OnExit();

  pid_t pid_ = -1;
  boost::asio::posix::stream_descriptor pidfd_;
  boost::asio::posix::stream_descriptor output_;
  Handlers handlers_;
  std::array<char, 2048> buffer_{};
  std::string partial_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::modem
