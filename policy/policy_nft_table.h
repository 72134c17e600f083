#pragma once
// Builds the one nftables table uplinkd owns (`inet uplinkd`) from the configuration and the
// current decision. Pure: the actuator applies the result as one atomic batch.
//
//   prerouting (filter, mangle): LAN packets -> mark_lan; packets arriving on a Wan that open a
//       connection get that Wan in their connmark, so replies leave by the same Wan
//   output (route, mangle): first the local flow pins (a socket bound to a Wan's address talking
//       to a pinned port gets that Wan and the pin's class); then sockets that chose a Wan themselves (SO_MARK, the health probes)
//       are left alone; everything else -> mark_local, and the kernel re-routes on the new mark
//   mark_lan / mark_local: a flow whose connmark names a Wan keeps it (restore and return);
//       a new flow is classified (class bits), mapped to its class's Wan (paths), and saved
//   classify_lan / classify_local: the [[policy.rule]]s in order, then the default class
//       (uid/gid rules only in classify_local: only local sockets have an owner)
//   paths: class -> Wan mark; the only chain that changes when the decision changes
//   forward (filter): counts LAN traffic out of each Wan (policy accept)
//   postrouting (nat, srcnat): masquerade out of each Wan that asks for it
//   lanes (filter, postrouting, mangle; only with [policy] lanes): out of a Wan with [wan.shaping],
//       class bits -> meta priority 0x55:<lane minor> (policy/lane_layout.h); class bits 0 keep
//       their priority and reach HTB's default lane (management)
#include <map>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "net/nft_table.h"
#include "policy/policy_config.h"
#include "policy/policy_engine.h"

namespace uplinkd::policy {

inline constexpr const char* kNftTableName = "uplinkd";

class PolicyNftTable {
 public:
  // `interfaces`: each Wan's current interface name (Wans without one get no interface rules).
  // `addresses`: each Wan's current local addresses (for the local flow pins).
  static net::nft::Table Build(const PolicyConfig& config, const Decision& decision,
                               const std::map<std::string, std::string>& interfaces,
                               const std::map<std::string, std::vector<net::IpAddress>>& addresses = {});
};

}  // namespace uplinkd::policy
