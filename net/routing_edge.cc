#include "net/routing_edge.h"

#include <fmt/format.h>

namespace uplinkd::net {

const char* RouteTypeName(RouteType type) {
  switch (type) {
    case RouteType::kUnicast: return "unicast";
    case RouteType::kBlackhole: return "blackhole";
    case RouteType::kUnreachable: return "unreachable";
    case RouteType::kProhibit: return "prohibit";
  }
  return "unknown";
}

std::string ToString(const Link& link) {
  return fmt::format("{}: {} {} {} mtu {}", link.index, link.name, link.admin_up ? "UP" : "DOWN",
                     link.carrier ? "LOWER_UP" : "NO-CARRIER", link.mtu);
}

std::string ToString(const InterfaceAddress& address) {
  return fmt::format("{} dev #{}", address.prefix.ToString(), address.link_index);
}

std::string ToString(const Route& route) {
  std::string text;
  if (route.type != RouteType::kUnicast) text = fmt::format("{} ", RouteTypeName(route.type));
  text += route.destination.length() == 0 ? std::string("default") : route.destination.ToString();
  if (route.gateway) text += " via " + route.gateway->ToString();
  if (route.link_index != 0) text += fmt::format(" dev #{}", route.link_index);
  text += fmt::format(" table {}", route.table);
  if (route.preferred_source) text += " src " + route.preferred_source->ToString();
  text += fmt::format(" metric {} proto {}", route.metric, route.protocol);
  return text;
}

std::string ToString(const Rule& rule) {
  std::string text = fmt::format("{}: {}", rule.priority, rule.family == IpFamily::kV4 ? "ipv4" : "ipv6");
  text += " from " + (rule.source ? rule.source->ToString() : std::string("all"));
  if (rule.destination) text += " to " + rule.destination->ToString();
  if (rule.fwmark) text += fmt::format(" fwmark {:#x}/{:#x}", *rule.fwmark, rule.fwmask);
  if (!rule.input_interface.empty()) text += " iif " + rule.input_interface;
  if (!rule.output_interface.empty()) text += " oif " + rule.output_interface;
  text += fmt::format(" lookup {} proto {}", rule.table, rule.protocol);
  return text;
}

}  // namespace uplinkd::net

namespace uplinkd::net {

namespace {
constexpr size_t kMaxInterfaceNameLength = 15;  // IFNAMSIZ - 1
}  // namespace

Result<Route> NormalizeRoute(const Route& route) {
  Route normal = route;
  IpFamily family = route.destination.family();
  normal.destination = route.destination.Network();
  if (normal.protocol == 0) normal.protocol = kUplinkdProtocol;
  if (family == IpFamily::kV6 && normal.metric == 0) normal.metric = 1024;
  if (route.gateway && route.gateway->family() != family) {
    return MakeError(ErrorCode::kInvalidArgument, "route " + ToString(route) + ": gateway family differs from destination");
  }
  if (route.preferred_source && route.preferred_source->family() != family) {
    return MakeError(ErrorCode::kInvalidArgument, "route " + ToString(route) + ": source family differs from destination");
  }
  if (route.table == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "route " + ToString(route) + ": table 0 is not a table");
  }
  if (route.type == RouteType::kUnicast) {
    if (route.link_index <= 0) {
      return MakeError(ErrorCode::kInvalidArgument, "route " + ToString(route) + ": a unicast route needs a link");
    }
  } else if (route.gateway || route.link_index != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "route " + ToString(route) + ": a " + RouteTypeName(route.type) + " route has no next hop");
  }
  return normal;
}

Result<Rule> NormalizeRule(const Rule& rule) {
  Rule normal = rule;
  if (normal.protocol == 0) normal.protocol = kUplinkdProtocol;
  if (!normal.fwmark) normal.fwmask = 0xffffffff;
  if (rule.priority == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "rule " + ToString(rule) + ": priority 0 belongs to the local table");
  }
  if (rule.table == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "rule " + ToString(rule) + ": no table");
  }
  for (const auto* prefix : {&rule.source, &rule.destination}) {
    if (*prefix && (*prefix)->family() != rule.family) {
      return MakeError(ErrorCode::kInvalidArgument, "rule " + ToString(rule) + ": prefix family differs from rule");
    }
  }
  if (normal.source) normal.source = normal.source->Network();
  if (normal.destination) normal.destination = normal.destination->Network();
  if (rule.input_interface.size() > kMaxInterfaceNameLength ||
      rule.output_interface.size() > kMaxInterfaceNameLength) {
    return MakeError(ErrorCode::kInvalidArgument, "rule " + ToString(rule) + ": interface name too long");
  }
  return normal;
}

}  // namespace uplinkd::net
