#include "policy/health/tcp_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "policy/health/bound_socket.h"
#include "policy/health/http_exchange.h"
#include "policy/health/socket_address.h"

namespace uplinkd::policy {

TcpProbe::TcpProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done)
    : ProbeOperation(io, std::move(binding), std::move(target), std::move(done)) {}

void TcpProbe::Start() {
  auto fd = BoundSocket::Open(binding_, target_.address.family(), SOCK_STREAM, IPPROTO_TCP);
  if (!fd) {
    FailErrno(fd.error().message.c_str(), fd.error().errno_value);
    return;
  }
  Adopt(*fd);
  linger abort_on_close{1, 0};
  ::setsockopt(this->fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
  uint16_t port = target_.port != 0 ? target_.port : DefaultProbePort(target_.kind);
  SocketAddress to(target_.address, port);
  MarkSent();
  if (::connect(this->fd(), to.get(), to.size()) != 0 && errno != EINPROGRESS) {
    FailErrno("connect", errno);
    return;
  }
  WaitWritable([this] { OnConnected(); });
}

void TcpProbe::OnConnected() {
  int error = 0;
  socklen_t size = sizeof(error);
  ::getsockopt(fd(), SOL_SOCKET, SO_ERROR, &error, &size);
  SetRtt(Elapsed());
  if (error == ECONNREFUSED) {
    // SYN and the target's RST: 2 x (IP + 20) + SYN options.
    uint64_t ip = target_.address.family() == net::IpFamily::kV4 ? 20 : 40;
    Answer("connection refused by the target", 2 * (ip + 20) + 20);
    return;
  }
  if (error != 0) {
    FailErrno("connect", error);
    return;
  }
  if (target_.kind == ProbeKind::kTcp) {
    Answer("connected", ProbeBytes(target_));
    return;
  }
  request_ = BuildHttpGetRequest(target_);
  SendRequest();
}

void TcpProbe::SendRequest() {
  while (request_sent_ < request_.size()) {
    ssize_t n = ::send(fd(), request_.data() + request_sent_, request_.size() - request_sent_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        WaitWritable([this] { SendRequest(); });
        return;
      }
      if (errno == EINTR) continue;
      FailErrno("send", errno);
      return;
    }
    request_sent_ += static_cast<size_t>(n);
  }
  ReadStatus();
}

void TcpProbe::ReadStatus() {
  WaitReadable([this] {
    std::array<char, 1024> buffer;
    for (;;) {
      ssize_t n = ::recv(fd(), buffer.data(), buffer.size(), 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        FailErrno("recv", errno);
        return;
      }
      if (n == 0) {
        Fail("connection closed before an HTTP status line", ProbeBytes(target_));
        return;
      }
      received_.append(buffer.data(), static_cast<size_t>(n));
      if (auto status = ParseHttpStatusLine(received_)) {
        if (*status < 0) {
          Fail("the answer is not HTTP", ProbeBytes(target_));
        } else {
          Answer(fmt::format("HTTP {}", *status), ProbeBytes(target_));
        }
        return;
      }
    }
    ReadStatus();
  });
}

}  // namespace uplinkd::policy
