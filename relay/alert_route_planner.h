#pragma once
// Which broker sessions the alert relay keeps, and which of them publish, from what the policy
// layer knows about the Wans: one session bound to each usable Wan with an IPv4 address; the
// alert class's Wan publishes; when every usable Wan is degraded (and there are two or more),
// every session publishes, so each alert goes over both modems. Pure: the daemon calls it after
// every policy change and hands the result to AlertRelay::SetRoutes.
#include <string>
#include <vector>

#include "relay/relay_route.h"
#include "policy/policy_controller.h"

namespace uplinkd {

class AlertRoutePlanner {
 public:
  struct Inputs {
    std::vector<policy::WanEndpoint> wans;
    std::string alert_wan;  // the alert class's path (its first Wan); empty: none chosen
    bool duplicate_when_degraded = true;
    relay::SocketOptions socket;  // common options of every session (priority, rto_min_us)
  };

  static std::vector<relay::RelayRoute> Plan(const Inputs& inputs);
};

}  // namespace uplinkd
