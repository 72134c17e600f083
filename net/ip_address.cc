#include "net/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace uplinkd::net {

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::string copy(text);
  IpAddress address;
  if (::inet_pton(AF_INET, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = IpFamily::kV4;
    return address;
  }
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes_.data()) == 1) {
    address.family_ = IpFamily::kV6;
    return address;
  }
  return std::nullopt;
}

IpAddress IpAddress::V4(uint32_t host_order) {
  IpAddress address;
  uint32_t network = htonl(host_order);
  std::memcpy(address.bytes_.data(), &network, 4);
  return address;
}

IpAddress IpAddress::FromBytes(IpFamily family, const uint8_t* bytes) {
  IpAddress address;
  address.family_ = family;
  std::memcpy(address.bytes_.data(), bytes, address.size());
  return address;
}

bool IpAddress::IsUnspecified() const {
  return std::all_of(bytes_.begin(), bytes_.begin() + static_cast<long>(size()),
                     [](uint8_t b) { return b == 0; });
}

std::string IpAddress::ToString() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(family_ == IpFamily::kV4 ? AF_INET : AF_INET6, bytes_.data(), buffer, sizeof buffer);
  return buffer;
}

}  // namespace uplinkd::net
