#pragma once
// The policy's one typed output for everything that must ride a particular Wan: the relay's
// per-Wan broker sessions today, the WireGuard and management tunnels later. A consumer subscribes
// once (PolicyController::SubscribeEndpoints) and is called with every Wan's endpoints whenever
// any of them changes: it binds to the source address (the policy's nftables pins then mark the
// flow with this Wan), or marks its socket with `mark`, or routes through `table`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "policy/policy_config.h"

namespace uplinkd::policy {

struct WanEndpoints {
  std::string wan;
  std::string interface;  // empty: not known yet (a bearer not connected)
  std::optional<net::IpAddress> source_v4;
  std::optional<net::IpAddress> source_v6;
  uint32_t mark = 0;   // the Wan's fwmark (inside kWanMarkMask)
  uint32_t table = 0;  // the Wan's routing table
  bool usable = false;    // the engine may put traffic on it
  bool degraded = false;  // usable but poor
  // The classes whose path puts this Wan first (where the policy sends them now).
  std::vector<TrafficClass> first_for;

  bool IsFirstFor(TrafficClass traffic_class) const {
    for (TrafficClass one : first_for) {
      if (one == traffic_class) return true;
    }
    return false;
  }
  friend bool operator==(const WanEndpoints&, const WanEndpoints&) = default;
};

// Every configured Wan, in configuration order.
using WanEndpointsObserver = std::function<void(const std::vector<WanEndpoints>&)>;

}  // namespace uplinkd::policy
