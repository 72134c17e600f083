#pragma once
// What ties a Wan's probes to that Wan: its interface (SO_BINDTODEVICE), its routing mark
// (SO_MARK, which the Wan's fwmark rule routes by) and, when known, its source addresses. A probe
// whose binding cannot be applied is not sent at all: it must never leave through another link.
#include <cstdint>
#include <optional>
#include <string>

#include "net/ip_address.h"

namespace uplinkd::policy {

struct ProbeBinding {
  std::string interface;  // empty: not bound to a device (tests only)
  uint32_t mark = 0;      // 0: no mark
  std::optional<net::IpAddress> source_v4;
  std::optional<net::IpAddress> source_v6;
  // Without an interface a probe is refused (it could leave by any link), unless this is set
  // (tests and diagnosis on loopback).
  bool allow_unbound = false;
  friend bool operator==(const ProbeBinding&, const ProbeBinding&) = default;
};

}  // namespace uplinkd::policy
