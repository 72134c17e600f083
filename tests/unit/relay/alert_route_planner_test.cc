#include "relay/alert_route_planner.h"

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

policy::WanEndpoint Wan(const std::string& name, bool usable, bool degraded, const std::string& v4) {
  policy::WanEndpoint wan;
  wan.name = name;
  wan.usable = usable;
  wan.degraded = degraded;
  if (!v4.empty()) wan.source_v4 = *net::IpAddress::Parse(v4);
  return wan;
}

std::vector<std::pair<std::string, bool>> Publishing(const std::vector<relay::RelayRoute>& routes) {
  std::vector<std::pair<std::string, bool>> out;
  for (const auto& route : routes) out.emplace_back(route.wan, route.publishing);
  return out;
}

using Expected = std::vector<std::pair<std::string, bool>>;

TEST(AlertRoutePlannerTest, OneBoundSessionPerUsableWanAndOnlyTheAlertPathPublishes) {
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = {Wan("cell1", true, false, "100.64.1.2"), Wan("cell2", true, false, "100.64.2.2")};
  inputs.alert_wan = "cell1";
  inputs.socket.priority = 0x550010;
  auto routes = AlertRoutePlanner::Plan(inputs);
  EXPECT_EQ(Publishing(routes), (Expected{{"cell1", true}, {"cell2", false}}));
  EXPECT_EQ(routes[0].socket.bind_address, "100.64.1.2");
  EXPECT_EQ(routes[1].socket.bind_address, "100.64.2.2");
  EXPECT_EQ(routes[1].socket.priority, 0x550010u);  // common options carried to every session
}

TEST(AlertRoutePlannerTest, UnusableWansAndWansWithoutAnIpv4AddressGetNoSession) {
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = {Wan("cell1", false, false, "100.64.1.2"), Wan("cell2", true, false, ""),
                 Wan("eth1", true, false, "192.0.2.2")};
  inputs.alert_wan = "eth1";
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"eth1", true}}));
}

TEST(AlertRoutePlannerTest, EveryUsableWanDegradedDuplicatesOverAll) {
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = {Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", true, true, "100.64.2.2"),
                 Wan("cell3", false, false, "100.64.3.2")};
  inputs.alert_wan = "cell1";
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"cell1", true}, {"cell2", true}}));
  inputs.duplicate_when_degraded = false;
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"cell1", true}, {"cell2", false}}));
}

TEST(AlertRoutePlannerTest, OneHealthyWanOrASingleUsableOneMeansNoDuplication) {
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = {Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", true, false, "100.64.2.2")};
  inputs.alert_wan = "cell2";
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"cell1", false}, {"cell2", true}}));
  inputs.wans = {Wan("cell1", true, true, "100.64.1.2"), Wan("cell2", false, true, "100.64.2.2")};
  inputs.alert_wan = "cell1";
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"cell1", true}}));
}

TEST(AlertRoutePlannerTest, NoAlertPathLeavesEverySessionStandingBy) {
  AlertRoutePlanner::Inputs inputs;
  inputs.wans = {Wan("cell1", true, false, "100.64.1.2")};
  EXPECT_EQ(Publishing(AlertRoutePlanner::Plan(inputs)), (Expected{{"cell1", false}}));
}

}  // namespace
}  // namespace uplinkd
