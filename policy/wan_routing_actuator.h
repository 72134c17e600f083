#pragma once
// Per-Wan policy routing, reconciled: each Wan's table holds its default route (IPv4, and IPv6
// when the Wan has it) and an unreachable default behind it, so marked traffic never leaks to
// another Wan; rules send a Wan's fwmark to its table, the Wan's own addresses to its table
// (replies and sockets bound to an address), the LAN's prefixes to main, and unmarked traffic
// last to the table of the default class's Wan (so a new local socket finds a source address).
//
// Everything it adds carries protocol 0x55. Apply() makes the kernel match the intent: adds what
// is missing and removes every uplinkd route or rule that is not wanted, including what a crashed
// predecessor left (found by protocol). Routes depend on link facts only, never on health: a Down
// Wan keeps its table so its probes can see it recover.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/routing_edge.h"

namespace uplinkd::policy {

inline constexpr uint32_t kWanRouteMetric = 100;
inline constexpr uint32_t kUnreachableMetric = 0xfeffffff;  // behind any default route
inline constexpr uint32_t kRulePriorityFallback = 40000;    // after main (32766)

struct WanRouting {
  std::string name;
  uint32_t table = 0;
  uint32_t mark = 0;
  size_t position = 1;  // 1-based: rule priorities are base + position
  int link_index = 0;   // 0: no link (yet)
  bool link_up = false; // admin up with carrier
  std::optional<net::IpPrefix> address_v4;
  std::optional<net::IpPrefix> address_v6;
  std::optional<net::IpAddress> gateway_v4;
  std::optional<net::IpAddress> gateway_v6;
  friend bool operator==(const WanRouting&, const WanRouting&) = default;
};

struct RoutingIntent {
  std::vector<WanRouting> wans;
  std::vector<net::IpPrefix> lan_prefixes;
  std::optional<uint32_t> fallback_table;  // the default class's Wan
  friend bool operator==(const RoutingIntent&, const RoutingIntent&) = default;
};

class WanRoutingActuator {
 public:
  explicit WanRoutingActuator(net::RoutingEdge& edge) : edge_(edge) {}

  // The routes and rules `intent` asks for, as the edge would list them.
  static std::vector<net::Route> DesiredRoutes(const RoutingIntent& intent);
  static std::vector<net::Rule> DesiredRules(const RoutingIntent& intent);

  // Reconciles the kernel with `intent`. Carries on past individual failures (a gateway not yet
  // reachable, a link gone) and returns the first error; the next Apply() retries.
  Result<void> Apply(const RoutingIntent& intent);
  // Removes every route and rule uplinkd owns in the tables it knows of, and every uplinkd rule.
  Result<void> RemoveAll();

  size_t changes() const { return changes_; }  // routes and rules added or removed so far
  size_t added() const { return added_; }      // of which added

 private:
  Result<void> SweepRules(const std::vector<net::Rule>& wanted);
  Result<void> SweepRoutes(const std::vector<net::Route>& wanted);

  net::RoutingEdge& edge_;
  std::set<uint32_t> tables_;  // every table uplinkd used or found rules for
  size_t changes_ = 0;
  size_t added_ = 0;
};

}  // namespace uplinkd::policy
