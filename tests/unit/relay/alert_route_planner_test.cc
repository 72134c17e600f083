#include "relay/alert_route_planner.h"

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

policy::WanEndpoints Wan(const std::string& name, bool usable, bool degraded, const std::string& v4) {
  policy::WanEndpoints wan;
  wan.wan = name;
  wan.usable = usable;
  wan.degraded = degraded;
  if (!v4.empty()) wan.source_v4 = *net::IpAddress::Parse(v4);
  return wan;
}

// The policy's endpoints with `alert_wan` first on the alert class's path.
std::vector<policy::WanEndpoints> WithAlertOn(std::vector<policy::WanEndpoints> wans, const std::string& alert_wan) {
  for (auto& wan : wans) {
    if (wan.wan == alert_wan) wan.first_for = {policy::TrafficClass::kAlert};
  }
  return wans;
}

std::vector<std::pair<std::string, bool>> Publishing(const std::vector<relay::RelayRoute>& routes) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& route : routes) out.emplace_back(route.wan, route.publishing);
  return out;
}

using Expected = std::vector<std::pair<std::string, bool>>;

TEST(AlertRoutePlannerTest, OneBoundSessionPerUsableWanAndOnlyTheAlertPathPublishes) {
  AlertRoutePlanner::Options options;
  options.socket.priority = 0x550010;
  auto wans = WithAlertOn({Wan("cell1", true, false, "100.64.1.2"), Wan("cell2", true, false, "100.64.2.2")}, "cell1");
  auto routes = AlertRoutePlanner::Plan(wans, options);
  EXPECT_EQ(Publishing(routes), (Expected{{"cell1", true}, {"cell2", false}}));
  EXPECT_EQ(routes[0].socket.bind_address, "100.64.1.2");
  EXPECT_EQ(routes[1].socket.bind_address, "100.64.2.2");
  EXPECT_EQ(routes[1].socket.priority, 0x550010u);  // common options carried to every session
}

TEST(AlertRoutePlannerTest, OnlyTheAlertClassCountsNotOtherClassesFirstOnAWan) {
  auto wans = WithAlertOn({Wan("cell1", true, false, "100.64.1.2"), Wan("cell2", true, false, "100.64.2.2")}, "cell2");
  wans[0].first_for = {policy::TrafficClass::kBulk, policy::TrafficClass::kTelemetry};
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, {})), (Expected{{"cell1", false}, {"cell2", true}}));
}

TEST(AlertRoutePlannerTest, UnusableWansAndWansWithoutAnIpv4AddressGetNoSession) {
  auto wans = WithAlertOn(
      {Wan("cell1", false, false, "100.64.1.2"), Wan("cell2", true, false, ""), Wan("eth1", true, false, "192.0.2.2")},
      "eth1");
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, {})), (Expected{{"eth1", true}}));
}

TEST(AlertRoutePlannerTest, EveryUsableWanDegradedDuplicatesOverAll) {
  auto wans = WithAlertOn({Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", true, true, "100.64.2.2"),
                           Wan("cell3", false, false, "100.64.3.2")},
                          "cell1");
  AlertRoutePlanner::Options options;
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, options)), (Expected{{"cell1", true}, {"cell2", true}}));
  options.duplicate_when_degraded = false;
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, options)), (Expected{{"cell1", true}, {"cell2", false}}));
}

TEST(AlertRoutePlannerTest, OneHealthyWanOrASingleUsableOneMeansNoDuplication) {
  auto wans = WithAlertOn({Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", true, false, "100.64.2.2")}, "cell2");
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, {})), (Expected{{"cell1", false}, {"cell2", true}}));
  wans = WithAlertOn({Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", false, true, "100.64.2.2")}, "cell1");
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(wans, {})), (Expected{{"cell1", true}}));
}

TEST(AlertRoutePlannerTest, NoAlertPathLeavesEverySessionStandingBy) {
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan({Wan("cell1", true, false, "100.64.1.2")}, {})),
            (Expected{{"cell1", false}}));
}

}  // namespace
}  // namespace uplinkd
