#pragma once
// An address with a prefix length ("192.0.2.1/24"): an interface address or a route destination.
#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "net/ip_address.h"

namespace uplinkd::net {

class IpPrefix {
 public:
  IpPrefix() = default;
  IpPrefix(IpAddress address, uint8_t length) : address_(address), length_(length) {}
  // Accepts "a.b.c.d/n", "x::y/n", or a bare address (a host prefix).
  static std::optional<IpPrefix> Parse(std::string_view text);
  static IpPrefix Default(IpFamily family);  // 0.0.0.0/0 or ::/0

  const IpAddress& address() const { return address_; }
  uint8_t length() const { return length_; }
  IpFamily family() const { return address_.family(); }
  // The same prefix with host bits cleared (198.51.100.7/24 -> 198.51.100.0/24).
  IpPrefix Network() const;
  bool Contains(const IpAddress& address) const;
  std::string ToString() const;

  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;

 private:
  IpAddress address_;
  uint8_t length_ = 0;
};

}  // namespace uplinkd::net
