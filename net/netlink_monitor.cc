#include "net/netlink_monitor.h"

#include <fmt/format.h>

namespace uplinkd::net {

std::string ToString(const LinkEvent& event) {
  if (event.removed) return fmt::format("link {} #{} removed", event.name, event.index);
  return fmt::format("link {} #{} {} {} mtu {}", event.name, event.index, event.admin_up ? "UP" : "DOWN",
                     event.carrier ? "LOWER_UP" : "NO-CARRIER", event.mtu);
}

std::string ToString(const AddressEvent& event) {
  return fmt::format("address {} on #{}{}", event.prefix.ToString(), event.link_index, event.removed ? " removed" : "");
}

std::string ToString(const OwnedRoutingRemovedEvent& event) {
  bool rule = event.kind == OwnedRoutingRemovedEvent::Kind::kRule;
  return fmt::format("uplinkd {} {} {} {} table {} removed", event.family == IpFamily::kV4 ? "IPv4" : "IPv6",
                     rule ? "rule" : "route", rule ? "priority" : "metric", event.priority, event.table);
}

}  // namespace uplinkd::net
