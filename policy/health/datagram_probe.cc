#include "policy/health/datagram_probe.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <fmt/format.h>

#include "policy/health/bound_socket.h"
#include "policy/health/dns_query.h"
#include "policy/health/socket_address.h"

namespace uplinkd::policy {

DatagramProbe::DatagramProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target,
                             Prober::Done done, std::vector<uint8_t> request)
    : ProbeOperation(io, std::move(binding), std::move(target), std::move(done)), request_(std::move(request)) {}

void DatagramProbe::Start() {
  auto fd = BoundSocket::Open(binding_, target_.address.family(), SOCK_DGRAM, IPPROTO_UDP);
  if (!fd) {
    FailErrno(fd.error().message.c_str(), fd.error().errno_value);
    return;
  }
  Adopt(*fd);
  uint16_t port = target_.port != 0 ? target_.port : DefaultProbePort(target_.kind);
  SocketAddress to(target_.address, port);
  if (::connect(this->fd(), to.get(), to.size()) != 0) {
    FailErrno("connect", errno);
    return;
  }
  MarkSent();
  if (::send(this->fd(), request_.data(), request_.size(), 0) < 0) {
    FailErrno("send", errno);
    return;
  }
  Receive();
}

void DatagramProbe::Receive() {
  WaitReadable([this] {
    std::array<uint8_t, 1500> buffer;
    for (;;) {
      ssize_t n = ::recv(fd(), buffer.data(), buffer.size(), 0);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        if (errno == ECONNREFUSED) {
          Answer("port unreachable from the target", ProbeBytes(target_));
          return;
        }
        FailErrno("recv", errno);
        return;
      }
      std::span<const uint8_t> reply(buffer.data(), static_cast<size_t>(n));
      if (target_.kind == ProbeKind::kDns) {
        if (auto summary = MatchDnsResponse(request_, reply)) {
          Answer(fmt::format("dns rcode {} with {} answers", summary->rcode, summary->answers), ProbeBytes(target_));
          return;
        }
      } else if (std::equal(reply.begin(), reply.end(), request_.begin(), request_.end())) {
        Answer("echo", ProbeBytes(target_));
        return;
      }
    }
    Receive();
  });
}

}  // namespace uplinkd::policy
