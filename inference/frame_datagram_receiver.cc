#include "inference/frame_datagram_receiver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "inference/frame_codec.h"

namespace uplinkd::inference {
namespace {

constexpr std::chrono::seconds kBadFrameLogInterval{10};

}  // namespace

FrameDatagramReceiver::FrameDatagramReceiver(boost::asio::io_context& io, Scheduler& scheduler, int fd,
                                             std::string name, FrameCallback on_frame)
    : scheduler_(scheduler), descriptor_(io, fd), name_(std::move(name)), on_frame_(std::move(on_frame)) {}

FrameDatagramReceiver::~FrameDatagramReceiver() {
  boost::system::error_code ignored;
  descriptor_.close(ignored);
  if (!unlink_path_.empty()) ::unlink(unlink_path_.c_str());
}

Result<std::unique_ptr<FrameDatagramReceiver>> FrameDatagramReceiver::ListenUdp(boost::asio::io_context& io,
                                                                                Scheduler& scheduler,
                                                                                const std::string& address,
                                                                                uint16_t port, FrameCallback on_frame) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof(sockaddr_in6);
  } else {
    return MakeError(ErrorCode::kInvalidArgument, "not an IP address: " + address);
  }
  int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "socket(UDP)", errno);
  // Bursts of frames must survive a busy window; ask for a larger receive buffer (best effort).
  int buffer_size = 4 * 1024 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_size, sizeof(buffer_size));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) {
    int saved = errno;
    ::close(fd);
    return MakeError(ErrorCode::kSystem, "bind UDP " + address + ":" + std::to_string(port), saved);
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  std::unique_ptr<FrameDatagramReceiver> receiver(
      new FrameDatagramReceiver(io, scheduler, fd, "udp:" + address, std::move(on_frame)));
  receiver->local_port_ = ntohs(family == AF_INET ? v4->sin_port : v6->sin6_port);
  receiver->name_ += ":" + std::to_string(receiver->local_port_);
  receiver->Wait();
  return receiver;
}

Result<std::unique_ptr<FrameDatagramReceiver>> FrameDatagramReceiver::ListenUnix(boost::asio::io_context& io,
                                                                                 Scheduler& scheduler,
                                                                                 const std::string& path,
                                                                                 FrameCallback on_frame) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof(address.sun_path)) {
    return MakeError(ErrorCode::kInvalidArgument, "bad Unix socket path: " + path);
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.c_str(), path.size());
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "socket(AF_UNIX)", errno);
  ::unlink(path.c_str());  // a previous worker's socket file
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int saved = errno;
    ::close(fd);
    return MakeError(ErrorCode::kSystem, "bind " + path, saved);
  }
  std::unique_ptr<FrameDatagramReceiver> receiver(
      new FrameDatagramReceiver(io, scheduler, fd, "unix:" + path, std::move(on_frame)));
  receiver->unlink_path_ = path;
  receiver->Wait();
  return receiver;
}

void FrameDatagramReceiver::Wait() {
  descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    if (error) {
      log_.Error("{}: wait failed: {}", name_, error.message());
      return;
    }
    Drain();
    Wait();
  });
}

void FrameDatagramReceiver::Drain() {
  // Bounded so that one flooding sender cannot starve the rest of the loop.
  for (int i = 0; i < 256; ++i) {
    ssize_t n = ::recv(descriptor_.native_handle(), buffer_.data(), buffer_.size(), MSG_TRUNC);
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) log_.Warning("{}: recv: {}", name_, std::strerror(errno));
      return;
    }
    if (static_cast<size_t>(n) > buffer_.size()) {
      CountBad("datagram larger than 64 KiB");
      continue;
    }
    auto decoded = FrameCodec::Decode(std::span<const uint8_t>(buffer_.data(), static_cast<size_t>(n)), frame_);
    if (!decoded) {
      CountBad(decoded.error().message);
      continue;
    }
    ++stats_.frames;
    on_frame_(frame_);
  }
}

void FrameDatagramReceiver::CountBad(const std::string& why) {
  ++stats_.bad_frames;
  ++bad_since_log_;
  SteadyTime now = scheduler_.Now();
  if (!logged_once_ || now - last_bad_log_ >= kBadFrameLogInterval) {
    log_.Warning("{}: dropped {} bad frame(s), latest: {}", name_, bad_since_log_, why);
    logged_once_ = true;
    last_bad_log_ = now;
    bad_since_log_ = 0;
  }
}

}  // namespace uplinkd::inference
