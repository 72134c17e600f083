#include "net/fake_routing_edge.h"

#include <algorithm>
#include <cerrno>

namespace uplinkd::net {

namespace {

bool SameRouteKey(const Route& a, const Route& b) {
  return a.table == b.table && a.destination == b.destination && a.metric == b.metric;
}

Rule DefaultRule(IpFamily family, uint32_t priority, uint32_t table) {
  Rule rule;
  rule.family = family;
  rule.priority = priority;
  rule.table = table;
  rule.protocol = kKernelProtocol;
  return rule;
}

bool IsIpv6LinkLocal(const IpAddress& address) {
  return address.family() == IpFamily::kV6 && address.bytes()[0] == 0xfe && (address.bytes()[1] & 0xc0) == 0x80;
}

}  // namespace

FakeRoutingEdge::FakeRoutingEdge() {
  FakeLink loopback;
  loopback.link = Link{.index = 1, .name = "lo", .admin_up = false, .carrier = false, .mtu = 65536};
  loopback.carrier_signal = true;
  links_[1] = loopback;
  next_index_ = 2;
  rules_ = {DefaultRule(IpFamily::kV4, 0, kLocalTable), DefaultRule(IpFamily::kV4, 32766, kMainTable),
            DefaultRule(IpFamily::kV4, 32767, 253), DefaultRule(IpFamily::kV6, 0, kLocalTable),
            DefaultRule(IpFamily::kV6, 32766, kMainTable)};
}

int FakeRoutingEdge::AddLink(const std::string& name, uint32_t mtu) {
  FakeLink link;
  link.link = Link{.index = next_index_++, .name = name, .admin_up = false, .carrier = false, .mtu = mtu};
  links_[link.link.index] = link;
  NotifyLink(link, false);
  return link.link.index;
}

void FakeRoutingEdge::RemoveLink(int link_index) {
  auto it = links_.find(link_index);
  if (it == links_.end()) return;
  DropRoutesOver(link_index);
  std::vector<InterfaceAddress> gone;
  std::erase_if(addresses_, [&](const InterfaceAddress& address) {
    if (address.link_index != link_index) return false;
    gone.push_back(address);
    return true;
  });
  for (const auto& address : gone) NotifyAddress(address, true);
  FakeLink link = it->second;
  links_.erase(it);
  NotifyLink(link, true);
}

void FakeRoutingEdge::SetCarrier(int link_index, bool carrier) {
  FakeLink* link = FindLink(link_index);
  if (!link || link->carrier_signal == carrier) return;
  link->carrier_signal = carrier;
  link->link.carrier = link->link.admin_up && carrier;
  NotifyLink(*link, false);
}

void FakeRoutingEdge::FailNextCall(Error error) { injected_failure_ = std::move(error); }

void FakeRoutingEdge::AddListener(Listener* listener) { listeners_.push_back(listener); }

void FakeRoutingEdge::RemoveListener(Listener* listener) { std::erase(listeners_, listener); }

Result<void> FakeRoutingEdge::TakeInjectedFailure() {
  if (!injected_failure_) return {};
  Error error = std::move(*injected_failure_);
  injected_failure_.reset();
  return tl::unexpected<Error>(std::move(error));
}

FakeRoutingEdge::FakeLink* FakeRoutingEdge::FindLink(int link_index) {
  auto it = links_.find(link_index);
  return it == links_.end() ? nullptr : &it->second;
}

void FakeRoutingEdge::NotifyLink(const FakeLink& link, bool removed) {
  for (Listener* listener : std::vector<Listener*>(listeners_)) listener->OnLinkChanged(link.link, removed);
}

void FakeRoutingEdge::NotifyAddress(const InterfaceAddress& address, bool removed) {
  for (Listener* listener : std::vector<Listener*>(listeners_)) listener->OnAddressChanged(address, removed);
}

// The kernel drops every route whose next hop is a link that goes down or away, in all tables.
void FakeRoutingEdge::DropRoutesOver(int link_index) {
  std::erase_if(routes_, [&](const Route& route) { return route.link_index == link_index; });
}

// Like the kernel: a gateway must be on the link, through an address prefix of that link (whose
// prefix route the kernel made) or a link route over it in the route's table or main; an IPv6
// link-local gateway always is.
bool FakeRoutingEdge::GatewayReachable(const Route& route, bool link_up) const {
  const IpAddress& gateway = *route.gateway;
  if (IsIpv6LinkLocal(gateway)) return true;
  if (!link_up) return false;
  for (const auto& address : addresses_) {
    if (address.link_index == route.link_index && address.prefix.Contains(gateway)) return true;
  }
  for (const auto& other : routes_) {
    if ((other.table == route.table || other.table == kMainTable) && other.link_index == route.link_index &&
        !other.gateway && other.type == RouteType::kUnicast && other.destination.Contains(gateway)) {
      return true;
    }
  }
  return false;
}

Result<std::vector<Link>> FakeRoutingEdge::ListLinks() {
  if (auto failure = TakeInjectedFailure(); !failure) return tl::unexpected(failure.error());
  std::vector<Link> links;
  for (const auto& [index, link] : links_) links.push_back(link.link);
  return links;
}

Result<Link> FakeRoutingEdge::GetLink(const std::string& name) {
  if (auto failure = TakeInjectedFailure(); !failure) return tl::unexpected(failure.error());
  for (const auto& [index, link] : links_) {
    if (link.link.name == name) return link.link;
  }
  return MakeError(ErrorCode::kNotFound, "link " + name + " not found", ENODEV);
}

Result<void> FakeRoutingEdge::SetLinkUp(int link_index, bool up) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  FakeLink* link = FindLink(link_index);
  if (!link) return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(link_index) + " not found", ENODEV);
  if (link->link.admin_up == up) return {};
  ++change_count_;
  link->link.admin_up = up;
  link->link.carrier = up && link->carrier_signal;
  if (!up) DropRoutesOver(link_index);
  NotifyLink(*link, false);
  return {};
}

Result<void> FakeRoutingEdge::SetMtu(int link_index, uint32_t mtu) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  FakeLink* link = FindLink(link_index);
  if (!link) return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(link_index) + " not found", ENODEV);
  // veth accepts 68..65535 (IPv4's minimum); so do we.
  if (mtu < 68 || mtu > 65535) return MakeError(ErrorCode::kInvalidArgument, "mtu out of range", EINVAL);
  if (link->link.mtu == mtu) return {};
  ++change_count_;
  link->link.mtu = mtu;
  NotifyLink(*link, false);
  return {};
}

Result<std::vector<InterfaceAddress>> FakeRoutingEdge::ListAddresses(int link_index) {
  if (auto failure = TakeInjectedFailure(); !failure) return tl::unexpected(failure.error());
  if (link_index != 0 && !FindLink(link_index)) {
    return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(link_index) + " not found", ENODEV);
  }
  std::vector<InterfaceAddress> result;
  for (const auto& address : addresses_) {
    if (link_index == 0 || address.link_index == link_index) result.push_back(address);
  }
  return result;
}

Result<void> FakeRoutingEdge::AddAddress(const InterfaceAddress& address) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  if (!FindLink(address.link_index)) {
    return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(address.link_index) + " not found", ENODEV);
  }
  if (std::find(addresses_.begin(), addresses_.end(), address) != addresses_.end()) return {};
  ++change_count_;
  addresses_.push_back(address);
  NotifyAddress(address, false);
  return {};
}

Result<void> FakeRoutingEdge::RemoveAddress(const InterfaceAddress& address) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  if (!FindLink(address.link_index)) {
    return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(address.link_index) + " not found", ENODEV);
  }
  auto it = std::find(addresses_.begin(), addresses_.end(), address);
  if (it == addresses_.end()) return {};
  ++change_count_;
  addresses_.erase(it);
  NotifyAddress(address, true);
  return {};
}

Result<std::vector<Route>> FakeRoutingEdge::ListRoutes(uint32_t table, IpFamily family) {
  if (auto failure = TakeInjectedFailure(); !failure) return tl::unexpected(failure.error());
  std::vector<Route> result;
  for (const auto& route : routes_) {
    if (route.table == table && route.destination.family() == family) result.push_back(route);
  }
  return result;
}

Result<void> FakeRoutingEdge::ReplaceRoute(const Route& requested) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  auto route = NormalizeRoute(requested);
  if (!route) return tl::unexpected(route.error());
  if (route->link_index != 0) {
    FakeLink* link = FindLink(route->link_index);
    if (!link) {
      return MakeError(ErrorCode::kNotFound, "route " + ToString(*route) + ": no such link", ENODEV);
    }
    // The kernel checks the gateway first (a down link has no connected routes, so only an IPv6
    // link-local gateway passes), then that the link is up.
    if (route->gateway && !GatewayReachable(*route, link->link.admin_up)) {
      return MakeError(ErrorCode::kUnavailable, "route " + ToString(*route) + ": gateway not on link",
                       route->destination.family() == IpFamily::kV4 ? ENETUNREACH : EHOSTUNREACH);
    }
    if (!link->link.admin_up) {
      return MakeError(ErrorCode::kUnavailable, "route " + ToString(*route) + ": link is down", ENETDOWN);
    }
    if (route->preferred_source &&
        std::none_of(addresses_.begin(), addresses_.end(),
                     [&](const InterfaceAddress& a) { return a.prefix.address() == *route->preferred_source; })) {
      return MakeError(ErrorCode::kInvalidArgument, "route " + ToString(*route) + ": source is not a local address", EINVAL);
    }
  }
  auto it = std::find_if(routes_.begin(), routes_.end(), [&](const Route& r) {
    return r.destination.family() == route->destination.family() && SameRouteKey(r, *route);
  });
  if (it != routes_.end()) {
    if (*it == *route) return {};
    *it = *route;
  } else {
    routes_.push_back(*route);
  }
  ++change_count_;
  return {};
}

Result<void> FakeRoutingEdge::RemoveRoute(const Route& requested) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  auto route = NormalizeRoute(requested);
  if (!route) return tl::unexpected(route.error());
  if (route->link_index != 0 && !FindLink(route->link_index)) {
    return MakeError(ErrorCode::kNotFound, "route " + ToString(*route) + ": no such link", ENODEV);
  }
  auto it = std::find_if(routes_.begin(), routes_.end(), [&](const Route& r) {
    return r.destination.family() == route->destination.family() && SameRouteKey(r, *route) &&
           r.protocol == route->protocol && r.type == route->type &&
           (!route->gateway || r.gateway == route->gateway) &&
           (route->link_index == 0 || r.link_index == route->link_index);
  });
  if (it == routes_.end()) return {};
  routes_.erase(it);
  ++change_count_;
  return {};
}

Result<std::vector<Rule>> FakeRoutingEdge::ListRules(IpFamily family) {
  if (auto failure = TakeInjectedFailure(); !failure) return tl::unexpected(failure.error());
  std::vector<Rule> result;
  for (const auto& rule : rules_) {
    if (rule.family == family) result.push_back(rule);
  }
  return result;
}

Result<void> FakeRoutingEdge::AddRule(const Rule& requested) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  auto rule = NormalizeRule(requested);
  if (!rule) return tl::unexpected(rule.error());
  if (std::find(rules_.begin(), rules_.end(), *rule) != rules_.end()) return {};
  // The kernel keeps rules sorted by priority, a new one after those of equal priority.
  auto position = std::find_if(rules_.begin(), rules_.end(),
                               [&](const Rule& r) { return r.priority > rule->priority; });
  rules_.insert(position, *rule);
  ++change_count_;
  return {};
}

Result<void> FakeRoutingEdge::RemoveRule(const Rule& requested) {
  if (auto failure = TakeInjectedFailure(); !failure) return failure;
  auto rule = NormalizeRule(requested);
  if (!rule) return tl::unexpected(rule.error());
  auto it = std::find(rules_.begin(), rules_.end(), *rule);
  if (it == rules_.end()) return {};
  rules_.erase(it);
  ++change_count_;
  return {};
}

}  // namespace uplinkd::net
