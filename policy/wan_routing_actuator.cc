#include "policy/wan_routing_actuator.h"

#include <algorithm>

#include "base/logger.h"
#include "policy/policy_config.h"

namespace uplinkd::policy {
namespace {

const Logger kLog(LogModule::kPolicy);

net::IpPrefix Host(const net::IpAddress& address) {
  return net::IpPrefix(address, address.family() == net::IpFamily::kV4 ? 32 : 128);
}

bool SameRoute(const net::Route& a, const net::Route& b) {
  return a.table == b.table && a.destination == b.destination && a.metric == b.metric && a.type == b.type &&
         a.gateway == b.gateway && a.link_index == b.link_index;
}

std::vector<net::Rule> Normalized(const std::vector<net::Rule>& rules) {
  std::vector<net::Rule> normal;
  for (const auto& rule : rules) {
    if (auto n = net::NormalizeRule(rule)) normal.push_back(*n);
  }
  return normal;
}

}  // namespace

std::vector<net::Route> WanRoutingActuator::DesiredRoutes(const RoutingIntent& intent) {
  std::vector<net::Route> routes;
  for (const auto& wan : intent.wans) {
    for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
      const auto& address = family == net::IpFamily::kV4 ? wan.address_v4 : wan.address_v6;
      const auto& gateway = family == net::IpFamily::kV4 ? wan.gateway_v4 : wan.gateway_v6;
      if (wan.link_up && wan.link_index != 0 && address && gateway) {
        net::Route route;
        route.table = wan.table;
        route.destination = net::IpPrefix::Default(family);
        route.gateway = *gateway;
        route.link_index = wan.link_index;
        route.metric = kWanRouteMetric;
        route.protocol = net::kUplinkdProtocol;
        routes.push_back(route);
      }
      net::Route unreachable;
      unreachable.table = wan.table;
      unreachable.destination = net::IpPrefix::Default(family);
      unreachable.metric = kUnreachableMetric;
      unreachable.type = net::RouteType::kUnreachable;
      unreachable.protocol = net::kUplinkdProtocol;
      routes.push_back(unreachable);
    }
  }
  return routes;
}

std::vector<net::Rule> WanRoutingActuator::DesiredRules(const RoutingIntent& intent) {
  std::vector<net::Rule> rules;
  for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
    for (const auto& prefix : intent.lan_prefixes) {
      if (prefix.family() != family) continue;
      net::Rule rule;
      rule.family = family;
      rule.priority = kRulePriorityLan;
      rule.table = net::kMainTable;
      rule.destination = prefix.Network();
      rules.push_back(rule);
    }
    for (const auto& wan : intent.wans) {
      net::Rule mark;
      mark.family = family;
      mark.priority = kRulePriorityFwmark + static_cast<uint32_t>(wan.position);
      mark.table = wan.table;
      mark.fwmark = wan.mark;
      mark.fwmask = kWanMarkMask;
      rules.push_back(mark);
      const auto& address = family == net::IpFamily::kV4 ? wan.address_v4 : wan.address_v6;
      if (address) {
        net::Rule source;
        source.family = family;
        source.priority = kRulePrioritySource + static_cast<uint32_t>(wan.position);
        source.table = wan.table;
        source.source = Host(address->address());
        rules.push_back(source);
      }
    }
    if (intent.fallback_table) {
      net::Rule fallback;
      fallback.family = family;
      fallback.priority = kRulePriorityFallback;
      fallback.table = *intent.fallback_table;
      rules.push_back(fallback);
    }
  }
  return Normalized(rules);
}

Result<void> WanRoutingActuator::SweepRules(const std::vector<net::Rule>& wanted) {
  Result<void> first_error;
  auto note = [&](const Result<void>& result) {
    if (!result && first_error) first_error = result;
  };
  for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
    auto listed = edge_.ListRules(family);
    if (!listed) {
      note(tl::unexpected(listed.error()));
      continue;
    }
    for (const auto& rule : *listed) {
      if (rule.protocol != net::kUplinkdProtocol) continue;
      tables_.insert(rule.table);
      if (std::find(wanted.begin(), wanted.end(), rule) != wanted.end()) continue;
      auto removed = edge_.RemoveRule(rule);
      if (removed) {
        ++changes_;
        kLog.Info("removed rule {}", net::ToString(rule));
      } else {
        kLog.Warning("cannot remove rule {}: {}", net::ToString(rule), Describe(removed.error()));
      }
      note(removed);
    }
    // Add the wanted ones that are missing, in priority order.
    for (const auto& rule : wanted) {
      if (rule.family != family) continue;
      if (std::find(listed->begin(), listed->end(), rule) != listed->end()) continue;
      auto added = edge_.AddRule(rule);
      if (added) {
        ++changes_;
        ++added_;
        kLog.Info("added rule {}", net::ToString(rule));
      } else {
        kLog.Warning("cannot add rule {}: {}", net::ToString(rule), Describe(added.error()));
      }
      note(added);
    }
  }
  return first_error;
}

Result<void> WanRoutingActuator::SweepRoutes(const std::vector<net::Route>& wanted) {
  Result<void> first_error;
  auto note = [&](const Result<void>& result) {
    if (!result && first_error) first_error = result;
  };
  for (const auto& route : wanted) tables_.insert(route.table);
  for (uint32_t table : tables_) {
    for (auto family : {net::IpFamily::kV4, net::IpFamily::kV6}) {
      auto listed = edge_.ListRoutes(table, family);
      if (!listed) {
        note(tl::unexpected(listed.error()));
        continue;
      }
      for (const auto& route : *listed) {
        if (route.protocol != net::kUplinkdProtocol) continue;
        bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const net::Route& w) { return SameRoute(w, route); });
        if (keep) continue;
        auto removed = edge_.RemoveRoute(route);
        if (removed) {
          ++changes_;
          kLog.Info("removed route {}", net::ToString(route));
        } else {
          kLog.Warning("cannot remove route {}: {}", net::ToString(route), Describe(removed.error()));
        }
        note(removed);
      }
      for (const auto& route : wanted) {
        if (route.table != table || route.destination.family() != family) continue;
        bool present = std::any_of(listed->begin(), listed->end(), [&](const net::Route& l) {
          return l.protocol == net::kUplinkdProtocol && SameRoute(route, l);
        });
        if (present) continue;
        auto added = edge_.ReplaceRoute(route);
        if (added) {
          ++changes_;
          ++added_;
          kLog.Info("added route {}", net::ToString(route));
        } else {
          kLog.Warning("cannot add route {}: {}", net::ToString(route), Describe(added.error()));
        }
        note(added);
      }
    }
  }
  return first_error;
}

Result<void> WanRoutingActuator::Apply(const RoutingIntent& intent) {
  // Rules first: a predecessor's rules name tables this run must sweep too.
  auto rules = SweepRules(DesiredRules(intent));
  auto routes = SweepRoutes(DesiredRoutes(intent));
  if (!rules) return rules;
  return routes;
}

Result<void> WanRoutingActuator::RemoveAll() {
  auto rules = SweepRules({});
  auto routes = SweepRoutes({});
  if (!rules) return rules;
  return routes;
}

}  // namespace uplinkd::policy
