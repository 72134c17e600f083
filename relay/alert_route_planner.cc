#include "relay/alert_route_planner.h"

#include <algorithm>

namespace uplinkd {

std::vector<relay::RelayRoute> AlertRoutePlanner::Plan(const Inputs& inputs) {
  std::vector<relay::RelayRoute> routes;
  for (const auto& wan : inputs.wans) {
    if (!wan.usable || !wan.source_v4) continue;
    relay::RelayRoute route;
    route.wan = wan.name;
    route.socket = inputs.socket;
    route.socket.bind_address = wan.source_v4->ToString();
    route.publishing = wan.name == inputs.alert_wan;
    routes.push_back(std::move(route));
  }
  size_t usable = static_cast<size_t>(
      std::count_if(inputs.wans.begin(), inputs.wans.end(), [](const auto& wan) { return wan.usable; }));
  bool all_degraded = usable >= 2 && std::all_of(inputs.wans.begin(), inputs.wans.end(), [](const auto& wan) {
                        return !wan.usable || wan.degraded;
                      });
  if (inputs.duplicate_when_degraded && all_degraded) {
    for (auto& route : routes) route.publishing = true;
  }
  return routes;
}

}  // namespace uplinkd
