#pragma once
// The kernel's links, addresses, routes and rules, as uplinkd needs them, in our own value types.
// Real implementation: LibnlRoutingEdge (libnl-route-3). Fake: FakeRoutingEdge (in-memory kernel).
// Calls are short synchronous netlink round trips to the local kernel; they never wait on a peer.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip_prefix.h"

namespace uplinkd::net {

// Routes and rules uplinkd adds carry this protocol number (rtm_protocol / FRA_PROTOCOL), so a
// reconcile finds exactly what uplinkd owns and leaves everything else alone. 0x55 (85) is not
// assigned in iproute2's rt_protos; `ip route show proto 85` lists uplinkd's routes.
inline constexpr uint8_t kUplinkdProtocol = 0x55;
inline constexpr uint8_t kKernelProtocol = 2;  // RTPROT_KERNEL: routes and rules the kernel made
inline constexpr uint32_t kMainTable = 254;    // RT_TABLE_MAIN
inline constexpr uint32_t kLocalTable = 255;   // RT_TABLE_LOCAL

// What a route does with a packet: forward it, or drop it in one of the kernel's ways. A per-WAN
// table ends with a high-metric unreachable default so marked traffic never leaks to another WAN.
enum class RouteType : uint8_t { kUnicast, kBlackhole, kUnreachable, kProhibit };

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
  RouteType type = RouteType::kUnicast;
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

  // link_index 0: the addresses of every link.
  virtual Result<std::vector<InterfaceAddress>> ListAddresses(int link_index) = 0;
  virtual Result<void> AddAddress(const InterfaceAddress& address) = 0;  // exists: success
  virtual Result<void> RemoveAddress(const InterfaceAddress& address) = 0;  // absent: success

  // Routes of one table and family (unicast, blackhole, unreachable and prohibit; not the kernel's
  // local/broadcast/multicast entries), destinations with host bits cleared.
  virtual Result<std::vector<Route>> ListRoutes(uint32_t table, IpFamily family) = 0;
  // Add, or replace the route with the same key (table, family, destination, metric). Host bits
  // of the destination are cleared first. An IPv6 metric of 0 becomes the kernel's 1024.
  virtual Result<void> ReplaceRoute(const Route& route) = 0;
  // Removes the route with that key and protocol (0: uplinkd's), matching gateway and link when
  // given. Absent: success. The kernel drops routes over a link by itself when it goes down.
  virtual Result<void> RemoveRoute(const Route& route) = 0;

  // Rules of one family, by priority. Rules uplinkd adds must have a priority (not 0) and a table.
  virtual Result<std::vector<Rule>> ListRules(IpFamily family) = 0;
  virtual Result<void> AddRule(const Rule& rule) = 0;     // an identical rule exists: success
  virtual Result<void> RemoveRule(const Rule& rule) = 0;  // absent: success
};

// The checks and normal form both implementations apply before touching the kernel, so the fake
// and the real one accept and refuse the same things: host bits cleared, protocol 0 made
// kUplinkdProtocol, IPv6 metric 0 made 1024; families consistent, a unicast route has a link, a
// rule has a priority and a table, interface names fit IFNAMSIZ.
Result<Route> NormalizeRoute(const Route& route);
Result<Rule> NormalizeRule(const Rule& rule);

// One-line renderings in `ip` style for logs and test failure messages.
std::string ToString(const Link& link);
std::string ToString(const InterfaceAddress& address);
std::string ToString(const Route& route);
std::string ToString(const Rule& rule);
const char* RouteTypeName(RouteType type);

}  // namespace uplinkd::net
