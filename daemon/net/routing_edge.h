#pragma once
// The kernel's links, addresses, routes and rules, as uplinkd needs them, in our own value types.
// Real implementation: LibnlRoutingEdge (libnl-route-3). Fake: FakeRoutingEdge (in-memory kernel).
// Calls are short synchronous netlink round trips to the local kernel; they never wait on a peer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/result.h"
#include "daemon/net/ip_prefix.h"

namespace uplinkd::net {

struct Link {
  int index = 0;
  std::string name;
  bool admin_up = false;  // IFF_UP
  bool carrier = false;   // IFF_LOWER_UP
  uint32_t mtu = 0;
  friend bool operator==(const Link&, const Link&) = default;
};

struct InterfaceAddress {
  int link_index = 0;
  IpPrefix prefix;  // the address with its prefix length, e.g. 100.64.1.2/30
  friend bool operator==(const InterfaceAddress&, const InterfaceAddress&) = default;
};

struct Route {
  uint32_t table = 254;             // RT_TABLE_MAIN
  IpPrefix destination;             // 0.0.0.0/0 for a default route
  std::optional<IpAddress> gateway;
  int link_index = 0;               // 0: none
  uint32_t metric = 0;
  std::optional<IpAddress> preferred_source;
  uint8_t protocol = 0;             // 0: let the implementation mark it as uplinkd's
  friend bool operator==(const Route&, const Route&) = default;
};

struct Rule {
  IpFamily family = IpFamily::kV4;
  uint32_t priority = 0;
  uint32_t table = 0;
  std::optional<uint32_t> fwmark;
  uint32_t fwmask = 0xffffffff;
  std::optional<IpPrefix> source;
  std::optional<IpPrefix> destination;
  std::string input_interface;
  std::string output_interface;
  uint8_t protocol = 0;  // 0: let the implementation mark it as uplinkd's
  friend bool operator==(const Rule&, const Rule&) = default;
};

class RoutingEdge {
 public:
  virtual ~RoutingEdge() = default;

  virtual Result<std::vector<Link>> ListLinks() = 0;
  virtual Result<Link> GetLink(const std::string& name) = 0;
  virtual Result<void> SetLinkUp(int link_index, bool up) = 0;
  virtual Result<void> SetMtu(int link_index, uint32_t mtu) = 0;

  virtual Result<std::vector<InterfaceAddress>> ListAddresses(int link_index) = 0;
  virtual Result<void> AddAddress(const InterfaceAddress& address) = 0;  // exists: success
  virtual Result<void> RemoveAddress(const InterfaceAddress& address) = 0;  // absent: success

  // Routes of one table and family.
  virtual Result<std::vector<Route>> ListRoutes(uint32_t table, IpFamily family) = 0;
  virtual Result<void> ReplaceRoute(const Route& route) = 0;  // add, or replace the same key
  virtual Result<void> RemoveRoute(const Route& route) = 0;   // absent: success

  virtual Result<std::vector<Rule>> ListRules(IpFamily family) = 0;
  virtual Result<void> AddRule(const Rule& rule) = 0;     // an identical rule exists: success
  virtual Result<void> RemoveRule(const Rule& rule) = 0;  // absent: success
};

}  // namespace uplinkd::net
