#include "tests/unit/net/routing_edge_contract.h"

#include <gmock/gmock.h>

#include <algorithm>

namespace uplinkd::net {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

void RoutingEdgeContractTest::SetUp() {
  harness_ = GetParam().make();
  if (!harness_ && !IsSkipped()) FAIL() << "harness could not be made";
}

namespace {

IpPrefix P(const char* text) { return *IpPrefix::Parse(text); }
IpAddress A(const char* text) { return *IpAddress::Parse(text); }

// Addresses the kernel adds on its own (IPv6 link-local) are not uplinkd's business here.
std::vector<InterfaceAddress> WithoutLinkLocal(std::vector<InterfaceAddress> addresses) {
  std::erase_if(addresses, [](const InterfaceAddress& a) {
    return a.prefix.family() == IpFamily::kV6 && a.prefix.address().bytes()[0] == 0xfe &&
           (a.prefix.address().bytes()[1] & 0xc0) == 0x80;
  });
  return addresses;
}

std::vector<Rule> UplinkdRules(std::vector<Rule> rules) {
  std::erase_if(rules, [](const Rule& r) { return r.protocol != kUplinkdProtocol; });
  return rules;
}

#define ASSERT_OK(expression)                                                  \
  do {                                                                         \
    auto result_ = (expression);                                               \
    ASSERT_TRUE(result_) << #expression << ": " << Describe(result_.error()); \
  } while (0)

#define ASSERT_ERROR_CODE(expression, expected_code)                              \
  do {                                                                            \
    auto result_ = (expression);                                                  \
    ASSERT_FALSE(result_) << #expression << " succeeded";                         \
    EXPECT_EQ(result_.error().code, expected_code) << Describe(result_.error()); \
  } while (0)

TEST_P(RoutingEdgeContractTest, FreshNamespaceHasDownLoopbackAndDefaultRules) {
  auto loopback = edge().GetLink("lo");
  ASSERT_OK(loopback);
  EXPECT_EQ(loopback->index, 1);
  EXPECT_FALSE(loopback->admin_up);
  auto v4 = edge().ListRules(IpFamily::kV4);
  ASSERT_OK(v4);
  ASSERT_EQ(v4->size(), 3u);
  EXPECT_EQ((*v4)[0].priority, 0u);
  EXPECT_EQ((*v4)[0].table, kLocalTable);
  EXPECT_EQ((*v4)[1].priority, 32766u);
  EXPECT_EQ((*v4)[1].table, kMainTable);
  EXPECT_EQ((*v4)[2].priority, 32767u);
  EXPECT_EQ((*v4)[2].table, 253u);
  for (const auto& rule : *v4) EXPECT_EQ(rule.protocol, kKernelProtocol) << ToString(rule);
  auto v6 = edge().ListRules(IpFamily::kV6);
  ASSERT_OK(v6);
  ASSERT_EQ(v6->size(), 2u);
  EXPECT_EQ((*v6)[1].table, kMainTable);
}

TEST_P(RoutingEdgeContractTest, LinkAdminStateAndCarrier) {
  int index = harness().CreateLink("wan0");
  auto link = edge().GetLink("wan0");
  ASSERT_OK(link);
  EXPECT_EQ(link->index, index);
  EXPECT_FALSE(link->admin_up);
  EXPECT_FALSE(link->carrier);

  ASSERT_OK(edge().SetLinkUp(index, true));
  link = edge().GetLink("wan0");
  EXPECT_TRUE(link->admin_up);
  EXPECT_FALSE(link->carrier);  // the other end is still down

  harness().SetCarrier(index, true);
  EXPECT_TRUE(edge().GetLink("wan0")->carrier);
  harness().SetCarrier(index, false);
  EXPECT_FALSE(edge().GetLink("wan0")->carrier);
  harness().SetCarrier(index, true);

  ASSERT_OK(edge().SetLinkUp(index, false));
  link = edge().GetLink("wan0");
  EXPECT_FALSE(link->admin_up);
  EXPECT_FALSE(link->carrier);  // no lower layer while administratively down

  ASSERT_OK(edge().SetLinkUp(index, false));  // already down: fine

  auto links = edge().ListLinks();
  ASSERT_OK(links);
  EXPECT_TRUE(std::any_of(links->begin(), links->end(), [&](const Link& l) { return l.index == index; }));
}

TEST_P(RoutingEdgeContractTest, Mtu) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetMtu(index, 1400));
  EXPECT_EQ(edge().GetLink("wan0")->mtu, 1400u);
  ASSERT_ERROR_CODE(edge().SetMtu(index, 20), ErrorCode::kInvalidArgument);
  EXPECT_EQ(edge().GetLink("wan0")->mtu, 1400u);
}

TEST_P(RoutingEdgeContractTest, UnknownLinksAreErrors) {
  ASSERT_ERROR_CODE(edge().GetLink("nosuch0"), ErrorCode::kNotFound);
  ASSERT_ERROR_CODE(edge().SetLinkUp(4242, true), ErrorCode::kNotFound);
  ASSERT_ERROR_CODE(edge().ListAddresses(4242), ErrorCode::kNotFound);
  ASSERT_ERROR_CODE(edge().AddAddress({.link_index = 4242, .prefix = P("100.64.0.1/30")}), ErrorCode::kNotFound);
  ASSERT_ERROR_CODE(edge().RemoveAddress({.link_index = 4242, .prefix = P("100.64.0.1/30")}), ErrorCode::kNotFound);
  ASSERT_ERROR_CODE(edge().ReplaceRoute({.table = 100, .destination = P("0.0.0.0/0"), .link_index = 4242}),
                    ErrorCode::kNotFound);
}

TEST_P(RoutingEdgeContractTest, AddressesAreIdempotent) {
  int index = harness().CreateLink("wan0");
  InterfaceAddress v4{.link_index = index, .prefix = P("100.64.1.2/30")};
  InterfaceAddress v6{.link_index = index, .prefix = P("2001:db8:1::2/64")};
  ASSERT_OK(edge().AddAddress(v4));
  ASSERT_OK(edge().AddAddress(v4));  // exists: success
  ASSERT_OK(edge().AddAddress(v6));
  auto addresses = edge().ListAddresses(index);
  ASSERT_OK(addresses);
  EXPECT_THAT(WithoutLinkLocal(*addresses), UnorderedElementsAre(v4, v6));

  auto all = edge().ListAddresses(0);
  ASSERT_OK(all);
  EXPECT_EQ(std::count(all->begin(), all->end(), v4), 1);

  ASSERT_OK(edge().RemoveAddress(v4));
  ASSERT_OK(edge().RemoveAddress(v4));  // absent: success
  addresses = edge().ListAddresses(index);
  ASSERT_OK(addresses);
  EXPECT_THAT(WithoutLinkLocal(*addresses), ElementsAre(v6));
}

TEST_P(RoutingEdgeContractTest, RoutesInACustomTable) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetLinkUp(index, true));
  ASSERT_OK(edge().AddAddress({.link_index = index, .prefix = P("198.51.100.2/24")}));

  Route route{.table = 100, .destination = P("0.0.0.0/0"), .gateway = A("198.51.100.1"), .link_index = index};
  ASSERT_OK(edge().ReplaceRoute(route));
  ASSERT_OK(edge().ReplaceRoute(route));  // same: nothing changes
  Route expected = route;
  expected.protocol = kUplinkdProtocol;
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), ElementsAre(expected));
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV6), IsEmpty());
  EXPECT_THAT(*edge().ListRoutes(101, IpFamily::kV4), IsEmpty());

  // Replace: same key (table, destination, metric), new gateway.
  route.gateway = A("198.51.100.254");
  ASSERT_OK(edge().ReplaceRoute(route));
  expected.gateway = route.gateway;
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), ElementsAre(expected));

  // A second route with another metric is another route.
  Route backup{.table = 100, .destination = P("0.0.0.0/0"), .link_index = index, .metric = 50};
  ASSERT_OK(edge().ReplaceRoute(backup));
  backup.protocol = kUplinkdProtocol;
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), UnorderedElementsAre(expected, backup));

  ASSERT_OK(edge().RemoveRoute(route));
  ASSERT_OK(edge().RemoveRoute(route));  // absent: success
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), ElementsAre(backup));
}

TEST_P(RoutingEdgeContractTest, RouteDestinationHostBitsAreCleared) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetLinkUp(index, true));
  ASSERT_OK(edge().ReplaceRoute({.table = 100, .destination = P("203.0.113.77/24"), .link_index = index}));
  auto routes = edge().ListRoutes(100, IpFamily::kV4);
  ASSERT_OK(routes);
  ASSERT_EQ(routes->size(), 1u);
  EXPECT_EQ((*routes)[0].destination, P("203.0.113.0/24"));
}

TEST_P(RoutingEdgeContractTest, Ipv6RoutesAndDefaultMetric) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetLinkUp(index, true));
  ASSERT_OK(edge().AddAddress({.link_index = index, .prefix = P("2001:db8:1::2/64")}));
  Route route{.table = 200, .destination = P("::/0"), .gateway = A("2001:db8:1::1"), .link_index = index};
  ASSERT_OK(edge().ReplaceRoute(route));
  Route link_local_gateway{.table = 201, .destination = P("::/0"), .gateway = A("fe80::1"), .link_index = index};
  ASSERT_OK(edge().ReplaceRoute(link_local_gateway));
  auto routes = edge().ListRoutes(200, IpFamily::kV6);
  ASSERT_OK(routes);
  ASSERT_EQ(routes->size(), 1u);
  EXPECT_EQ((*routes)[0].metric, 1024u);  // IPv6's "no metric"
  EXPECT_EQ((*routes)[0].gateway, route.gateway);
  EXPECT_EQ((*routes)[0].protocol, kUplinkdProtocol);
  ASSERT_OK(edge().RemoveRoute(route));
  EXPECT_THAT(*edge().ListRoutes(200, IpFamily::kV6), IsEmpty());
}

TEST_P(RoutingEdgeContractTest, RoutesNeedAnUpLinkAndAReachableGateway) {
  int index = harness().CreateLink("wan0");
  auto down = edge().ReplaceRoute({.table = 100, .destination = P("0.0.0.0/0"), .link_index = index});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(down.error().errno_value, ENETDOWN);
  // With a gateway the kernel complains about the gateway first: a down link reaches nothing.
  Route route{.table = 100, .destination = P("0.0.0.0/0"), .gateway = A("198.51.100.1"), .link_index = index};
  auto down_via = edge().ReplaceRoute(route);
  ASSERT_FALSE(down_via);
  EXPECT_EQ(down_via.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(down_via.error().errno_value, ENETUNREACH);
  Route link_local_via{.table = 100, .destination = P("::/0"), .gateway = A("fe80::1"), .link_index = index};
  auto down_link_local = edge().ReplaceRoute(link_local_via);
  ASSERT_FALSE(down_link_local);
  EXPECT_EQ(down_link_local.error().errno_value, ENETDOWN);

  ASSERT_OK(edge().SetLinkUp(index, true));
  auto unreachable = edge().ReplaceRoute(route);  // no address in 198.51.100.0/24 yet
  ASSERT_FALSE(unreachable);
  EXPECT_EQ(unreachable.error().code, ErrorCode::kUnavailable);

  ASSERT_OK(edge().AddAddress({.link_index = index, .prefix = P("198.51.100.2/24")}));
  ASSERT_OK(edge().ReplaceRoute(route));

  Route wrong_source = route;
  wrong_source.table = 101;
  wrong_source.preferred_source = A("192.0.2.99");
  ASSERT_ERROR_CODE(edge().ReplaceRoute(wrong_source), ErrorCode::kInvalidArgument);
  Route right_source = route;
  right_source.table = 101;
  right_source.preferred_source = A("198.51.100.2");
  ASSERT_OK(edge().ReplaceRoute(right_source));
  EXPECT_EQ(edge().ListRoutes(101, IpFamily::kV4)->at(0).preferred_source, right_source.preferred_source);
}

TEST_P(RoutingEdgeContractTest, LinkDownDropsItsRoutes) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetLinkUp(index, true));
  ASSERT_OK(edge().ReplaceRoute({.table = 100, .destination = P("0.0.0.0/0"), .link_index = index}));
  ASSERT_OK(edge().ReplaceRoute({.table = 100, .destination = P("::/0"), .link_index = index}));
  ASSERT_OK(edge().ReplaceRoute({.table = 100, .destination = P("0.0.0.0/0"), .metric = 4000,
                                 .type = RouteType::kUnreachable}));
  ASSERT_EQ(edge().ListRoutes(100, IpFamily::kV4)->size(), 2u);
  ASSERT_OK(edge().SetLinkUp(index, false));
  auto routes = edge().ListRoutes(100, IpFamily::kV4);
  ASSERT_OK(routes);
  ASSERT_EQ(routes->size(), 1u);  // the unreachable route has no link to lose
  EXPECT_EQ((*routes)[0].type, RouteType::kUnreachable);
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV6), IsEmpty());
}

TEST_P(RoutingEdgeContractTest, DropRoutesHaveNoNextHop) {
  for (RouteType type : {RouteType::kBlackhole, RouteType::kUnreachable, RouteType::kProhibit}) {
    Route v4{.table = 150, .destination = P("0.0.0.0/0"), .metric = 4278198272u, .type = type};
    Route v6{.table = 150, .destination = P("::/0"), .metric = 4278198272u, .type = type};
    ASSERT_OK(edge().ReplaceRoute(v4));
    ASSERT_OK(edge().ReplaceRoute(v6));
    v4.protocol = kUplinkdProtocol;
    v6.protocol = kUplinkdProtocol;
    EXPECT_THAT(*edge().ListRoutes(150, IpFamily::kV4), ElementsAre(v4)) << RouteTypeName(type);
    EXPECT_THAT(*edge().ListRoutes(150, IpFamily::kV6), ElementsAre(v6)) << RouteTypeName(type);
    ASSERT_OK(edge().RemoveRoute(v4));
    ASSERT_OK(edge().RemoveRoute(v6));
    EXPECT_THAT(*edge().ListRoutes(150, IpFamily::kV4), IsEmpty()) << RouteTypeName(type);
    EXPECT_THAT(*edge().ListRoutes(150, IpFamily::kV6), IsEmpty()) << RouteTypeName(type);
  }
  ASSERT_ERROR_CODE(edge().ReplaceRoute({.table = 150, .destination = P("0.0.0.0/0"), .gateway = A("192.0.2.1"),
                                         .type = RouteType::kBlackhole}),
                    ErrorCode::kInvalidArgument);
}

TEST_P(RoutingEdgeContractTest, RemoveRouteLeavesOthersRoutesAlone) {
  int index = harness().CreateLink("wan0");
  ASSERT_OK(edge().SetLinkUp(index, true));
  Route foreign{.table = 100, .destination = P("192.0.2.0/24"), .link_index = index, .protocol = 4};  // static
  ASSERT_OK(edge().ReplaceRoute(foreign));
  Route ours = foreign;
  ours.protocol = 0;  // uplinkd's
  ASSERT_OK(edge().RemoveRoute(ours));
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), ElementsAre(foreign));
  ASSERT_OK(edge().RemoveRoute(foreign));
  EXPECT_THAT(*edge().ListRoutes(100, IpFamily::kV4), IsEmpty());
}

TEST_P(RoutingEdgeContractTest, FwmarkRulesBothFamilies) {
  harness().CreateLink("wan0");
  Rule v4{.family = IpFamily::kV4, .priority = 1000, .table = 100, .fwmark = 0x100, .fwmask = 0xff00,
          .source = P("192.0.2.0/24"), .input_interface = "wan0"};
  Rule v6{.family = IpFamily::kV6, .priority = 1000, .table = 200, .fwmark = 0x200,
          .destination = P("2001:db8:5::/48"), .output_interface = "wan0"};
  ASSERT_OK(edge().AddRule(v4));
  ASSERT_OK(edge().AddRule(v4));  // identical: success, no duplicate
  ASSERT_OK(edge().AddRule(v6));
  Rule expected4 = v4;
  expected4.protocol = kUplinkdProtocol;
  Rule expected6 = v6;
  expected6.protocol = kUplinkdProtocol;
  EXPECT_THAT(UplinkdRules(*edge().ListRules(IpFamily::kV4)), ElementsAre(expected4));
  EXPECT_THAT(UplinkdRules(*edge().ListRules(IpFamily::kV6)), ElementsAre(expected6));

  // Sorted by priority among the kernel's own rules.
  auto all = edge().ListRules(IpFamily::kV4);
  ASSERT_OK(all);
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(),
                             [](const Rule& a, const Rule& b) { return a.priority < b.priority; }));

  Rule same_priority_other_mark = v4;
  same_priority_other_mark.fwmark = 0x300;
  ASSERT_OK(edge().RemoveRule(same_priority_other_mark));  // absent: success, touches nothing
  EXPECT_EQ(UplinkdRules(*edge().ListRules(IpFamily::kV4)).size(), 1u);

  ASSERT_OK(edge().RemoveRule(v4));
  ASSERT_OK(edge().RemoveRule(v4));
  ASSERT_OK(edge().RemoveRule(v6));
  EXPECT_THAT(UplinkdRules(*edge().ListRules(IpFamily::kV4)), IsEmpty());
  EXPECT_THAT(UplinkdRules(*edge().ListRules(IpFamily::kV6)), IsEmpty());
  EXPECT_EQ(edge().ListRules(IpFamily::kV4)->size(), 3u);  // the kernel's rules are untouched
}

TEST_P(RoutingEdgeContractTest, RuleWithoutMarkAndPrefixHostBits) {
  Rule rule{.family = IpFamily::kV4, .priority = 2000, .table = 100, .source = P("100.64.7.9/16")};
  ASSERT_OK(edge().AddRule(rule));
  auto rules = UplinkdRules(*edge().ListRules(IpFamily::kV4));
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_FALSE(rules[0].fwmark);
  EXPECT_EQ(rules[0].source, P("100.64.0.0/16"));
}

TEST_P(RoutingEdgeContractTest, InvalidRulesAreRefused) {
  ASSERT_ERROR_CODE(edge().AddRule({.family = IpFamily::kV4, .priority = 0, .table = 100}),
                    ErrorCode::kInvalidArgument);
  ASSERT_ERROR_CODE(edge().AddRule({.family = IpFamily::kV4, .priority = 10, .table = 0}),
                    ErrorCode::kInvalidArgument);
  ASSERT_ERROR_CODE(edge().AddRule({.family = IpFamily::kV6, .priority = 10, .table = 100, .source = P("192.0.2.0/24")}),
                    ErrorCode::kInvalidArgument);
  ASSERT_ERROR_CODE(
      edge().AddRule({.family = IpFamily::kV4, .priority = 10, .table = 100, .input_interface = "a-very-long-name0"}),
      ErrorCode::kInvalidArgument);
  EXPECT_THAT(UplinkdRules(*edge().ListRules(IpFamily::kV4)), IsEmpty());
}

}  // namespace
}  // namespace uplinkd::net
