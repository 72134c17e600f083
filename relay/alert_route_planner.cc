#include "relay/alert_route_planner.h"

#include <algorithm>

namespace uplinkd {

std::vector<relay::RelayRoute> AlertRoutePlanner::Plan(const std::vector<policy::WanEndpoints>& wans,
                                                       const Options& options) {
  std::vector<relay::RelayRoute> routes;
  for (const auto& wan : wans) {
    if (!wan.usable || !wan.source_v4) continue;
    relay::RelayRoute route;
    route.wan = wan.wan;
    route.socket = options.socket;
    route.socket.bind_address = wan.source_v4->ToString();
    route.publishing = wan.IsFirstFor(policy::TrafficClass::kAlert);
    routes.push_back(std::move(route));
  }
  size_t usable =
      static_cast<size_t>(std::count_if(wans.begin(), wans.end(), [](const auto& wan) { return wan.usable; }));
  bool all_degraded = usable >= 2 && std::all_of(wans.begin(), wans.end(), [](const auto& wan) {
                        return !wan.usable || wan.degraded;
                      });
  if (options.duplicate_when_degraded && all_degraded) {
    for (auto& route : routes) route.publishing = true;
  }
  return routes;
}

}  // namespace uplinkd
