#include "policy/health/icmp_echo_probe.h"

#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "policy/health/bound_socket.h"
#include "policy/health/icmp_echo_packet.h"
#include "policy/health/socket_address.h"

namespace uplinkd::policy {

IcmpEchoProbe::IcmpEchoProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target,
                             Prober::Done done, std::shared_ptr<IcmpSocketChoice> choice, uint16_t identifier,
                             uint16_t sequence)
    : ProbeOperation(io, std::move(binding), std::move(target), std::move(done)),
      choice_(std::move(choice)),
      identifier_(identifier),
      sequence_(sequence) {}

void IcmpEchoProbe::Start() {
  using Kind = IcmpSocketChoice::Kind;
  net::IpFamily family = target_.address.family();
  Kind& known = family == net::IpFamily::kV4 ? choice_->v4 : choice_->v6;
  int protocol = family == net::IpFamily::kV4 ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  Result<int> fd = MakeError(ErrorCode::kUnavailable, "no ICMP socket tried");
  if (known != Kind::kRaw) {
    fd = BoundSocket::Open(binding_, family, SOCK_DGRAM, protocol);
    // EACCES: our group is outside net.ipv4.ping_group_range (it also covers IPv6).
    bool refused = !fd && fd.error().message == "socket" &&
                   (fd.error().errno_value == EACCES || fd.error().errno_value == EPERM ||
                    fd.error().errno_value == EPROTONOSUPPORT);
    if (fd) {
      known = Kind::kPing;
    } else if (refused) {
      known = Kind::kRaw;
    }
  }
  if (known == Kind::kRaw) fd = BoundSocket::Open(binding_, family, SOCK_RAW, protocol);
  if (!fd) {
    FailErrno(fd.error().message.c_str(), fd.error().errno_value);
    return;
  }
  kind_ = known;
  Adopt(*fd);
  if (kind_ == Kind::kRaw && family == net::IpFamily::kV6) {
    // Only echo replies reach this socket.
    icmp6_filter filter;
    ICMP6_FILTER_SETBLOCKALL(&filter);
    ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
    ::setsockopt(this->fd(), IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof(filter));
  }
  auto request = BuildIcmpEchoRequest(family, {identifier_, sequence_});
  SocketAddress to(target_.address, 0);
  MarkSent();
  if (::sendto(this->fd(), request.data(), request.size(), 0, to.get(), to.size()) < 0) {
    FailErrno("sendto", errno);
    return;
  }
  Receive();
}

void IcmpEchoProbe::Receive() {
  WaitReadable([this] {
    net::IpFamily family = target_.address.family();
    bool with_ip_header = kind_ == IcmpSocketChoice::Kind::kRaw && family == net::IpFamily::kV4;
    std::array<uint8_t, 1500> buffer;
    for (;;) {
      sockaddr_storage from{};
      socklen_t from_size = sizeof(from);
      ssize_t n = ::recvfrom(fd(), buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        FailErrno("recvfrom", errno);
        return;
      }
      auto reply = ParseIcmpEchoReply(family, std::span<const uint8_t>(buffer.data(), static_cast<size_t>(n)),
                                      with_ip_header);
      if (!reply || reply->sequence != sequence_ || !SocketAddress::SameHost(from, target_.address)) continue;
      // A ping socket's identifier is the kernel's (it already matched it); a raw socket sees
      // every echo reply on the link, so the identifier must be ours.
      if (kind_ == IcmpSocketChoice::Kind::kRaw && reply->identifier != identifier_) continue;
      Answer(kind_ == IcmpSocketChoice::Kind::kRaw ? "echo reply (raw socket)" : "echo reply (ping socket)",
             ProbeBytes(target_));
      return;
    }
    Receive();
  });
}

}  // namespace uplinkd::policy
