#include "policy/health/icmp_echo_packet.h"

namespace uplinkd::policy {
namespace {

constexpr uint8_t kEchoRequestV4 = 8;
constexpr uint8_t kEchoReplyV4 = 0;
constexpr uint8_t kEchoRequestV6 = 128;
constexpr uint8_t kEchoReplyV6 = 129;

}  // namespace

uint16_t InternetChecksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += static_cast<uint32_t>(bytes[i] << 8 | bytes[i + 1]);
  if (bytes.size() % 2 != 0) sum += static_cast<uint32_t>(bytes.back() << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

std::array<uint8_t, 8> BuildIcmpEchoRequest(net::IpFamily family, IcmpEchoId id) {
  std::array<uint8_t, 8> message{};
  message[0] = family == net::IpFamily::kV4 ? kEchoRequestV4 : kEchoRequestV6;
  message[4] = static_cast<uint8_t>(id.identifier >> 8);
  message[5] = static_cast<uint8_t>(id.identifier & 0xff);
  message[6] = static_cast<uint8_t>(id.sequence >> 8);
  message[7] = static_cast<uint8_t>(id.sequence & 0xff);
  if (family == net::IpFamily::kV4) {
    uint16_t checksum = InternetChecksum(message);
    message[2] = static_cast<uint8_t>(checksum >> 8);
    message[3] = static_cast<uint8_t>(checksum & 0xff);
  }
  return message;
}

std::optional<IcmpEchoId> ParseIcmpEchoReply(net::IpFamily family, std::span<const uint8_t> bytes,
                                             bool with_ip_header) {
  if (with_ip_header) {
    if (bytes.empty() || (bytes[0] >> 4) != 4) return std::nullopt;
    size_t header = static_cast<size_t>(bytes[0] & 0x0f) * 4;
    if (header < 20 || bytes.size() < header) return std::nullopt;
    bytes = bytes.subspan(header);
  }
  if (bytes.size() < 8) return std::nullopt;
  uint8_t reply = family == net::IpFamily::kV4 ? kEchoReplyV4 : kEchoReplyV6;
  if (bytes[0] != reply || bytes[1] != 0) return std::nullopt;
  return IcmpEchoId{static_cast<uint16_t>(bytes[4] << 8 | bytes[5]),
                    static_cast<uint16_t>(bytes[6] << 8 | bytes[7])};
}

}  // namespace uplinkd::policy
