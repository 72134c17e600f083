#include "policy/health/socket_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace uplinkd::policy {

SocketAddress::SocketAddress(const net::IpAddress& address, uint16_t port) {
  if (address.family() == net::IpFamily::kV4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage_);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, address.bytes(), 4);
    size_ = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage_);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, address.bytes(), 16);
    size_ = sizeof(sockaddr_in6);
  }
}

bool SocketAddress::SameHost(const sockaddr_storage& from, const net::IpAddress& address) {
  if (address.family() == net::IpFamily::kV4) {
    if (from.ss_family != AF_INET) return false;
    return std::memcmp(&reinterpret_cast<const sockaddr_in*>(&from)->sin_addr, address.bytes(), 4) == 0;
  }
  if (from.ss_family != AF_INET6) return false;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(&from)->sin6_addr, address.bytes(), 16) == 0;
}

}  // namespace uplinkd::policy
