#include "tests/realmm/at_emulator_control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace uplinkd::realmm {
namespace {

constexpr int kTimeoutMs = 5000;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<nlohmann::json> AtEmulatorControl::Send(const std::string& cmd, nlohmann::json arguments) const {
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return MakeError(ErrorCode::kSystem, "socket", errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path_.size() >= sizeof(addr.sun_path)) return MakeError(ErrorCode::kInvalidArgument, "path too long");
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return MakeError(ErrorCode::kUnavailable, "connect " + socket_path_, errno);
  }
  arguments["cmd"] = cmd;
  std::string request = arguments.dump() + "\n";
  if (send(fd.get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return MakeError(ErrorCode::kSystem, "send to the emulator", errno);
  }
  std::string reply;
  while (reply.empty() || reply.back() != '\n') {
    pollfd pfd{fd.get(), POLLIN, 0};
    int ready = poll(&pfd, 1, kTimeoutMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return MakeError(ErrorCode::kTimeout, "the emulator did not answer " + cmd);
    char buf[4096];
    ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n <= 0) return MakeError(ErrorCode::kUnavailable, "the emulator closed the control socket");
    reply.append(buf, static_cast<size_t>(n));
  }
  auto json = nlohmann::json::parse(reply, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return MakeError(ErrorCode::kInvalidArgument, "unparsable reply: " + reply);
  if (!json.value("ok", false)) {
    return MakeError(ErrorCode::kRejected, cmd + ": " + json.value("error", std::string("failed")));
  }
  return json;
}

Result<void> AtEmulatorControl::Register(const std::string& registration) const {
  auto reply = Send("register", {{"state", registration}});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<void> AtEmulatorControl::SetSignal(int csq) const {
  auto reply = Send("signal", {{"csq", csq}});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

Result<void> AtEmulatorControl::RefuseConnect(const std::string& final_result) const {
  auto reply = Send("refuse_connect", {{"result", final_result}});
  if (!reply) return tl::unexpected(reply.error());
  return {};
}

}  // namespace uplinkd::realmm
