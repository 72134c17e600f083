#pragma once
// Which broker sessions the alert relay keeps, and which of them publish, from the policy's Wan
// endpoints (policy::WanEndpoints): one session bound to each usable Wan with an IPv4 address; the
// Wan the alert class's path puts first publishes; when every usable Wan is degraded (and there
// are two or more), every session publishes, so each alert goes over both modems. Pure: the
// daemon subscribes it to the policy's endpoints (PolicyController::SubscribeEndpoints) and hands
// the result to AlertRelay::SetRoutes.
#include <vector>

#include "policy/wan_endpoints.h"
#include "relay/relay_route.h"

namespace uplinkd {

class AlertRoutePlanner {
 public:
  struct Options {
    bool duplicate_when_degraded = true;
    relay::SocketOptions socket;  // common options of every session (priority, rto_min_us)
  };

  static std::vector<relay::RelayRoute> Plan(const std::vector<policy::WanEndpoints>& wans, const Options& options);
};

}  // namespace uplinkd
