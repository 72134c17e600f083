#include "net/libnl_routing_edge.h"

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/route/rule.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <cstring>

#include "net/libnl_request.h"

namespace uplinkd::net {

namespace {

using libnl::CachePtr;
using libnl::ErrorFromErrno;
using libnl::ErrorFromLibnl;
using libnl::LinkPtr;
using libnl::MsgPtr;
using libnl::Talk;

struct AddrDeleter {
  void operator()(nl_addr* address) const { nl_addr_put(address); }
};
struct RtnlAddrDeleter {
  void operator()(rtnl_addr* address) const { rtnl_addr_put(address); }
};
struct RouteDeleter {
  void operator()(rtnl_route* route) const { rtnl_route_put(route); }
};
struct RuleDeleter {
  void operator()(rtnl_rule* rule) const { rtnl_rule_put(rule); }
};
using AddrPtr = std::unique_ptr<nl_addr, AddrDeleter>;
using RtnlAddrPtr = std::unique_ptr<rtnl_addr, RtnlAddrDeleter>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteDeleter>;
using RulePtr = std::unique_ptr<rtnl_rule, RuleDeleter>;

// IFF_LOWER_UP lives in <linux/if.h>, which clashes with <net/if.h>; its value is ABI.
constexpr unsigned kIffLowerUp = 0x10000;

int AddressFamily(IpFamily family) { return family == IpFamily::kV4 ? AF_INET : AF_INET6; }

AddrPtr ToNlAddr(const IpAddress& address, int prefix_length) {
  AddrPtr result(nl_addr_build(AddressFamily(address.family()), address.bytes(), address.size()));
  if (result) nl_addr_set_prefixlen(result.get(), prefix_length);
  return result;
}

AddrPtr ToNlAddr(const IpPrefix& prefix) { return ToNlAddr(prefix.address(), prefix.length()); }

std::optional<IpAddress> FromNlAddr(nl_addr* address) {
  if (!address) return std::nullopt;
  int family = nl_addr_get_family(address);
  unsigned length = nl_addr_get_len(address);
  if (family == AF_INET && length == 4) {
    return IpAddress::FromBytes(IpFamily::kV4, static_cast<const uint8_t*>(nl_addr_get_binary_addr(address)));
  }
  if (family == AF_INET6 && length == 16) {
    return IpAddress::FromBytes(IpFamily::kV6, static_cast<const uint8_t*>(nl_addr_get_binary_addr(address)));
  }
  return std::nullopt;
}

// A prefix from an nl_addr; a zero-length address (the kernel omits RTA_DST for a default route)
// is the family's default prefix.
std::optional<IpPrefix> FromNlPrefix(nl_addr* address, IpFamily family) {
  if (!address) return std::nullopt;
  if (nl_addr_get_len(address) == 0) return IpPrefix::Default(family);
  auto ip = FromNlAddr(address);
  if (!ip) return std::nullopt;
  return IpPrefix(*ip, static_cast<uint8_t>(nl_addr_get_prefixlen(address)));
}

Link FromNlLink(rtnl_link* link) {
  unsigned flags = rtnl_link_get_flags(link);
  const char* name = rtnl_link_get_name(link);
  return Link{.index = rtnl_link_get_ifindex(link),
              .name = name ? name : "",
              .admin_up = (flags & IFF_UP) != 0,
              .carrier = (flags & kIffLowerUp) != 0,
              .mtu = rtnl_link_get_mtu(link)};
}

uint8_t ToKernelType(RouteType type) {
  switch (type) {
    case RouteType::kUnicast: return RTN_UNICAST;
    case RouteType::kBlackhole: return RTN_BLACKHOLE;
    case RouteType::kUnreachable: return RTN_UNREACHABLE;
    case RouteType::kProhibit: return RTN_PROHIBIT;
  }
  return RTN_UNICAST;
}

std::optional<RouteType> FromKernelType(uint8_t type) {
  switch (type) {
    case RTN_UNICAST: return RouteType::kUnicast;
    case RTN_BLACKHOLE: return RouteType::kBlackhole;
    case RTN_UNREACHABLE: return RouteType::kUnreachable;
    case RTN_PROHIBIT: return RouteType::kProhibit;
    default: return std::nullopt;
  }
}

Result<RoutePtr> ToNlRoute(const Route& route) {
  RoutePtr result(rtnl_route_alloc());
  AddrPtr destination = ToNlAddr(route.destination);
  if (!result || !destination) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_route_set_family(result.get(), AddressFamily(route.destination.family()));
  rtnl_route_set_table(result.get(), route.table);
  rtnl_route_set_type(result.get(), ToKernelType(route.type));
  rtnl_route_set_protocol(result.get(), route.protocol);
  rtnl_route_set_priority(result.get(), route.metric);
  if (int error = rtnl_route_set_dst(result.get(), destination.get()); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "route " + ToString(route)));
  }
  // Scope as `ip route` chooses it: link for a directly connected unicast route, else universe.
  bool on_link = route.type == RouteType::kUnicast && !route.gateway;
  rtnl_route_set_scope(result.get(), on_link ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  if (route.preferred_source) {
    AddrPtr source = ToNlAddr(*route.preferred_source, route.preferred_source->family() == IpFamily::kV4 ? 32 : 128);
    if (int error = rtnl_route_set_pref_src(result.get(), source.get()); error < 0) {
      return tl::unexpected(ErrorFromLibnl(error, "route " + ToString(route)));
    }
  }
  if (route.type == RouteType::kUnicast) {
    rtnl_nexthop* next_hop = rtnl_route_nh_alloc();
    if (!next_hop) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
    rtnl_route_nh_set_ifindex(next_hop, route.link_index);
    if (route.gateway) {
      AddrPtr gateway = ToNlAddr(*route.gateway, route.gateway->family() == IpFamily::kV4 ? 32 : 128);
      rtnl_route_nh_set_gateway(next_hop, gateway.get());
    }
    rtnl_route_add_nexthop(result.get(), next_hop);  // the route owns it now
  }
  return result;
}

std::optional<Route> FromNlRoute(rtnl_route* kernel_route, IpFamily family) {
  auto type = FromKernelType(rtnl_route_get_type(kernel_route));
  if (!type) return std::nullopt;
  auto destination = FromNlPrefix(rtnl_route_get_dst(kernel_route), family);
  if (!destination) return std::nullopt;
  Route route;
  route.table = rtnl_route_get_table(kernel_route);
  route.destination = *destination;
  route.metric = rtnl_route_get_priority(kernel_route);
  route.protocol = rtnl_route_get_protocol(kernel_route);
  route.type = *type;
  route.preferred_source = FromNlAddr(rtnl_route_get_pref_src(kernel_route));
  // A multipath route is reported by its first next hop (uplinkd adds none). The kernel hangs
  // IPv6 drop routes on "lo"; they have no next hop in our model.
  if (route.type == RouteType::kUnicast && rtnl_route_get_nnexthops(kernel_route) > 0) {
    rtnl_nexthop* next_hop = rtnl_route_nexthop_n(kernel_route, 0);
    route.link_index = rtnl_route_nh_get_ifindex(next_hop);
    route.gateway = FromNlAddr(rtnl_route_nh_get_gateway(next_hop));
  }
  return route;
}

Result<RulePtr> ToNlRule(const Rule& rule) {
  RulePtr result(rtnl_rule_alloc());
  if (!result) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_rule* r = result.get();
  rtnl_rule_set_family(r, AddressFamily(rule.family));
  rtnl_rule_set_prio(r, rule.priority);
  rtnl_rule_set_table(r, rule.table);
  rtnl_rule_set_action(r, FR_ACT_TO_TBL);
  rtnl_rule_set_protocol(r, rule.protocol);
  if (rule.fwmark) {
    rtnl_rule_set_mark(r, *rule.fwmark);
    rtnl_rule_set_mask(r, rule.fwmask);
  }
  if (rule.source) {
    AddrPtr source = ToNlAddr(*rule.source);
    if (int error = rtnl_rule_set_src(r, source.get()); error < 0) {
      return tl::unexpected(ErrorFromLibnl(error, "rule " + ToString(rule)));
    }
  }
  if (rule.destination) {
    AddrPtr destination = ToNlAddr(*rule.destination);
    if (int error = rtnl_rule_set_dst(r, destination.get()); error < 0) {
      return tl::unexpected(ErrorFromLibnl(error, "rule " + ToString(rule)));
    }
  }
  if (!rule.input_interface.empty()) rtnl_rule_set_iif(r, rule.input_interface.c_str());
  if (!rule.output_interface.empty()) rtnl_rule_set_oif(r, rule.output_interface.c_str());
  return result;
}

Rule FromNlRule(rtnl_rule* kernel_rule) {
  Rule rule;
  rule.family = rtnl_rule_get_family(kernel_rule) == AF_INET6 ? IpFamily::kV6 : IpFamily::kV4;
  rule.priority = rtnl_rule_get_prio(kernel_rule);
  // Rules whose action is not "look up a table" (unreachable, goto, ...) have table 0 here.
  rule.table = rtnl_rule_get_action(kernel_rule) == FR_ACT_TO_TBL ? rtnl_rule_get_table(kernel_rule) : 0;
  uint32_t mark = rtnl_rule_get_mark(kernel_rule);
  uint32_t mask = rtnl_rule_get_mask(kernel_rule);
  if (mark != 0 || mask != 0) {
    rule.fwmark = mark;
    rule.fwmask = mask;
  }
  rule.source = FromNlPrefix(rtnl_rule_get_src(kernel_rule), rule.family);
  rule.destination = FromNlPrefix(rtnl_rule_get_dst(kernel_rule), rule.family);
  if (const char* name = rtnl_rule_get_iif(kernel_rule)) rule.input_interface = name;
  if (const char* name = rtnl_rule_get_oif(kernel_rule)) rule.output_interface = name;
  uint8_t protocol = 0;
  if (rtnl_rule_get_protocol(kernel_rule, &protocol) >= 0) rule.protocol = protocol;
  return rule;
}

template <typename Object>
void ForEach(nl_cache* cache, const std::function<void(Object*)>& visit) {
  for (nl_object* object = nl_cache_get_first(cache); object; object = nl_cache_get_next(object)) {
    visit(reinterpret_cast<Object*>(object));
  }
}

}  // namespace

Result<std::unique_ptr<LibnlRoutingEdge>> LibnlRoutingEdge::Create() {
  nl_sock* socket = nl_socket_alloc();
  if (!socket) return MakeError(ErrorCode::kSystem, "netlink socket: out of memory", ENOMEM);
  if (int error = nl_connect(socket, NETLINK_ROUTE); error < 0) {
    nl_socket_free(socket);
    return tl::unexpected(ErrorFromLibnl(error, "netlink socket"));
  }
  return std::unique_ptr<LibnlRoutingEdge>(new LibnlRoutingEdge(socket));
}

LibnlRoutingEdge::~LibnlRoutingEdge() { nl_socket_free(socket_); }

Result<std::vector<Link>> LibnlRoutingEdge::ListLinks() {
  nl_cache* raw = nullptr;
  if (int error = rtnl_link_alloc_cache(socket_, AF_UNSPEC, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "list links"));
  }
  CachePtr cache(raw);
  std::vector<Link> links;
  ForEach<rtnl_link>(cache.get(), [&](rtnl_link* link) { links.push_back(FromNlLink(link)); });
  return links;
}

Result<Link> LibnlRoutingEdge::GetLink(const std::string& name) {
  rtnl_link* raw = nullptr;
  int error = rtnl_link_get_kernel(socket_, 0, name.c_str(), &raw);
  if (error == -NLE_OBJ_NOTFOUND || error == -NLE_NODEV) {
    return MakeError(ErrorCode::kNotFound, "link " + name + " not found", ENODEV);
  }
  if (error < 0) return tl::unexpected(ErrorFromLibnl(error, "link " + name));
  LinkPtr link(raw);
  return FromNlLink(link.get());
}

Result<void> LibnlRoutingEdge::SetLinkUp(int link_index, bool up) {
  LinkPtr original(rtnl_link_alloc());
  LinkPtr change(rtnl_link_alloc());
  if (!original || !change) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_link_set_ifindex(original.get(), link_index);
  if (up) {
    rtnl_link_set_flags(change.get(), IFF_UP);
  } else {
    rtnl_link_unset_flags(change.get(), IFF_UP);
  }
  nl_msg* raw = nullptr;
  std::string context = "link #" + std::to_string(link_index) + (up ? " up" : " down");
  if (int error = rtnl_link_build_change_request(original.get(), change.get(), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  return Talk(socket_, message.get(), context);
}

Result<void> LibnlRoutingEdge::SetMtu(int link_index, uint32_t mtu) {
  LinkPtr original(rtnl_link_alloc());
  LinkPtr change(rtnl_link_alloc());
  if (!original || !change) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_link_set_ifindex(original.get(), link_index);
  rtnl_link_set_mtu(change.get(), mtu);
  nl_msg* raw = nullptr;
  std::string context = "link #" + std::to_string(link_index) + " mtu " + std::to_string(mtu);
  if (int error = rtnl_link_build_change_request(original.get(), change.get(), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  return Talk(socket_, message.get(), context);
}

Result<std::vector<InterfaceAddress>> LibnlRoutingEdge::ListAddresses(int link_index) {
  if (link_index != 0) {
    rtnl_link* raw_link = nullptr;
    int error = rtnl_link_get_kernel(socket_, link_index, nullptr, &raw_link);
    if (error < 0) return MakeError(ErrorCode::kNotFound, "link #" + std::to_string(link_index) + " not found", ENODEV);
    rtnl_link_put(raw_link);
  }
  nl_cache* raw = nullptr;
  if (int error = rtnl_addr_alloc_cache(socket_, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "list addresses"));
  }
  CachePtr cache(raw);
  std::vector<InterfaceAddress> addresses;
  ForEach<rtnl_addr>(cache.get(), [&](rtnl_addr* address) {
    int index = rtnl_addr_get_ifindex(address);
    if (link_index != 0 && index != link_index) return;
    auto local = FromNlAddr(rtnl_addr_get_local(address));
    if (!local) return;
    addresses.push_back(InterfaceAddress{
        .link_index = index, .prefix = IpPrefix(*local, static_cast<uint8_t>(rtnl_addr_get_prefixlen(address)))});
  });
  return addresses;
}

namespace {

Result<RtnlAddrPtr> ToNlInterfaceAddress(const InterfaceAddress& address) {
  RtnlAddrPtr result(rtnl_addr_alloc());
  AddrPtr local = ToNlAddr(address.prefix);
  if (!result || !local) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_addr_set_ifindex(result.get(), address.link_index);
  rtnl_addr_set_family(result.get(), AddressFamily(address.prefix.family()));
  if (int error = rtnl_addr_set_local(result.get(), local.get()); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "address " + ToString(address)));
  }
  rtnl_addr_set_prefixlen(result.get(), address.prefix.length());
  // Addresses uplinkd sets come from the operator (a bearer's static configuration); duplicate
  // address detection on a point-to-point cellular link only delays them.
  if (address.prefix.family() == IpFamily::kV6) rtnl_addr_set_flags(result.get(), IFA_F_NODAD);
  return result;
}

}  // namespace

Result<void> LibnlRoutingEdge::AddAddress(const InterfaceAddress& address) {
  auto kernel_address = ToNlInterfaceAddress(address);
  if (!kernel_address) return tl::unexpected(kernel_address.error());
  nl_msg* raw = nullptr;
  if (int error = rtnl_addr_build_add_request(kernel_address->get(), NLM_F_EXCL, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "add address " + ToString(address)));
  }
  MsgPtr message(raw);
  auto result = Talk(socket_, message.get(), "add address " + ToString(address));
  if (!result && result.error().code == ErrorCode::kAlreadyExists) return {};
  return result;
}

Result<void> LibnlRoutingEdge::RemoveAddress(const InterfaceAddress& address) {
  auto kernel_address = ToNlInterfaceAddress(address);
  if (!kernel_address) return tl::unexpected(kernel_address.error());
  nl_msg* raw = nullptr;
  if (int error = rtnl_addr_build_delete_request(kernel_address->get(), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "remove address " + ToString(address)));
  }
  MsgPtr message(raw);
  auto result = Talk(socket_, message.get(), "remove address " + ToString(address));
  // Absent is success; an absent link is not.
  if (!result && result.error().errno_value == EADDRNOTAVAIL) return {};
  return result;
}

Result<std::vector<Route>> LibnlRoutingEdge::ListRoutes(uint32_t table, IpFamily family) {
  nl_cache* raw = nullptr;
  if (int error = rtnl_route_alloc_cache(socket_, AddressFamily(family), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "list routes"));
  }
  CachePtr cache(raw);
  std::vector<Route> routes;
  ForEach<rtnl_route>(cache.get(), [&](rtnl_route* kernel_route) {
    if (rtnl_route_get_table(kernel_route) != table) return;
    if (rtnl_route_get_family(kernel_route) != AddressFamily(family)) return;
    if (auto route = FromNlRoute(kernel_route, family)) routes.push_back(*route);
  });
  return routes;
}

Result<void> LibnlRoutingEdge::ReplaceRoute(const Route& requested) {
  auto route = NormalizeRoute(requested);
  if (!route) return tl::unexpected(route.error());
  auto kernel_route = ToNlRoute(*route);
  if (!kernel_route) return tl::unexpected(kernel_route.error());
  nl_msg* raw = nullptr;
  std::string context = "replace route " + ToString(*route);
  if (int error = rtnl_route_build_add_request(kernel_route->get(), NLM_F_REPLACE, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  return Talk(socket_, message.get(), context);
}

Result<void> LibnlRoutingEdge::RemoveRoute(const Route& requested) {
  auto route = NormalizeRoute(requested);
  if (!route) return tl::unexpected(route.error());
  auto kernel_route = ToNlRoute(*route);
  if (!kernel_route) return tl::unexpected(kernel_route.error());
  nl_msg* raw = nullptr;
  std::string context = "remove route " + ToString(*route);
  if (int error = rtnl_route_build_del_request(kernel_route->get(), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  auto result = Talk(socket_, message.get(), context);
  if (!result && result.error().errno_value == ESRCH) return {};  // absent
  return result;
}

Result<std::vector<Rule>> LibnlRoutingEdge::ListRules(IpFamily family) {
  nl_cache* raw = nullptr;
  if (int error = rtnl_rule_alloc_cache(socket_, AddressFamily(family), &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "list rules"));
  }
  CachePtr cache(raw);
  std::vector<Rule> rules;
  ForEach<rtnl_rule>(cache.get(), [&](rtnl_rule* kernel_rule) {
    if (rtnl_rule_get_family(kernel_rule) != AddressFamily(family)) return;
    rules.push_back(FromNlRule(kernel_rule));
  });
  return rules;
}

Result<void> LibnlRoutingEdge::AddRule(const Rule& requested) {
  auto rule = NormalizeRule(requested);
  if (!rule) return tl::unexpected(rule.error());
  auto kernel_rule = ToNlRule(*rule);
  if (!kernel_rule) return tl::unexpected(kernel_rule.error());
  nl_msg* raw = nullptr;
  std::string context = "add rule " + ToString(*rule);
  // NLM_F_EXCL makes the kernel compare with existing rules and answer EEXIST for a duplicate.
  if (int error = rtnl_rule_build_add_request(kernel_rule->get(), NLM_F_EXCL, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  auto result = Talk(socket_, message.get(), context);
  if (!result && result.error().code == ErrorCode::kAlreadyExists) return {};
  return result;
}

Result<void> LibnlRoutingEdge::RemoveRule(const Rule& requested) {
  auto rule = NormalizeRule(requested);
  if (!rule) return tl::unexpected(rule.error());
  // The kernel deletes the first rule that matches the attributes given, treating absent ones as
  // wildcards; look for the exact rule first so nothing else is ever removed.
  auto rules = ListRules(rule->family);
  if (!rules) return tl::unexpected(rules.error());
  if (std::find(rules->begin(), rules->end(), *rule) == rules->end()) return {};
  auto kernel_rule = ToNlRule(*rule);
  if (!kernel_rule) return tl::unexpected(kernel_rule.error());
  nl_msg* raw = nullptr;
  std::string context = "remove rule " + ToString(*rule);
  if (int error = rtnl_rule_build_delete_request(kernel_rule->get(), 0, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  auto result = Talk(socket_, message.get(), context);
  if (!result && result.error().errno_value == ENOENT) return {};
  return result;
}

}  // namespace uplinkd::net
