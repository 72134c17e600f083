#pragma once
// ICMP and ICMPv6 echo messages as the probes send and receive them: a bare 8-byte header, no
// payload (each probe costs 28 bytes each way over IPv4), matched by identifier and sequence.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "net/ip_address.h"

namespace uplinkd::policy {

struct IcmpEchoId {
  uint16_t identifier = 0;
  uint16_t sequence = 0;
  friend bool operator==(const IcmpEchoId&, const IcmpEchoId&) = default;
};

// An echo request. For IPv4 the checksum is filled in (a raw socket sends it as is); for IPv6
// the kernel computes it (it covers a pseudo-header only the kernel knows for sure).
std::array<uint8_t, 8> BuildIcmpEchoRequest(net::IpFamily family, IcmpEchoId id);

// The identifier and sequence of an echo reply; nullopt for any other message. `with_ip_header`:
// IPv4 raw sockets deliver the IP header in front of the ICMP message.
std::optional<IcmpEchoId> ParseIcmpEchoReply(net::IpFamily family, std::span<const uint8_t> bytes,
                                             bool with_ip_header);

// The Internet checksum (RFC 1071).
uint16_t InternetChecksum(std::span<const uint8_t> bytes);

}  // namespace uplinkd::policy
