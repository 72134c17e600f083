// LaneActuator on FakeTrafficControlEdge: sends only changes, removes trees of Wans that lost
// their interface or lanes, replaces a predecessor's tree, leaves foreign qdiscs alone, retries
// after a failure, and removes exactly what it installed.
#include "policy/lane_actuator.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "net/fake_traffic_control_edge.h"
#include "policy/lane_planner.h"

namespace uplinkd::policy {
namespace {

using Call = net::FakeTrafficControlEdge::Call;
using Kind = Call::Kind;

net::HtbTree Tree(const std::string& interface, uint32_t rate_kbit, bool degraded = false) {
  LaneInputs inputs;
  inputs.shaping.upload_kbit = 1000;
  inputs.shaping.min_kbit = 250;
  inputs.interface = interface;
  inputs.rate_kbit = rate_kbit;
  inputs.health.degraded = degraded;
  return LanePlanner::Plan(inputs).tree;
}

class LaneActuatorTest : public ::testing::Test {
 protected:
  net::FakeTrafficControlEdge edge_;
  LaneActuator actuator_{edge_};
};

TEST_F(LaneActuatorTest, AppliesOnlyWhatChanged) {
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000), Tree("wwan1", 1000)}, {"wwan0", "wwan1"}));
  EXPECT_EQ(edge_.calls(), (std::vector<Call>{{Kind::kReplaced, "wwan0", 0x55}, {Kind::kReplaced, "wwan1", 0x55}}));
  EXPECT_EQ(*edge_.ReadHtb("wwan0", 0x55), net::NormalizeHtbTree(Tree("wwan0", 1000)));
  edge_.ClearCalls();
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000), Tree("wwan1", 1000)}, {"wwan0", "wwan1"}));
  EXPECT_TRUE(edge_.calls().empty());
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 800, true), Tree("wwan1", 1000)}, {"wwan0", "wwan1"}));
  EXPECT_EQ(edge_.calls(), (std::vector<Call>{{Kind::kChangedInPlace, "wwan0", 0x55}}));
  EXPECT_EQ((*edge_.ReadHtb("wwan0", 0x55))->lanes.back().ceil_bps, 80000u);
}

TEST_F(LaneActuatorTest, RemovesTheTreeOfAWanThatLostItsInterfaceOrLanes) {
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000), Tree("wwan1", 1000)}, {"wwan0", "wwan1"}));
  edge_.ClearCalls();
  // wwan1's Wan has no interface any more; wwan0 keeps its tree.
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0"}));
  EXPECT_EQ(edge_.calls(), (std::vector<Call>{{Kind::kRemoved, "wwan1", 0x55}}));
  EXPECT_EQ(*edge_.ReadHtb("wwan1", 0x55), std::nullopt);
  EXPECT_EQ(actuator_.applied().size(), 1u);
}

TEST_F(LaneActuatorTest, FirstApplyReplacesAPredecessorsTreesAndLeavesForeignQdiscs) {
  // A crashed predecessor left a tree on wwan0 (which keeps lanes) and on wwan1 (which has none
  // now); eth9's tbf is someone else's.
  ASSERT_TRUE(edge_.ApplyHtb(Tree("wwan0", 500)));
  ASSERT_TRUE(edge_.ApplyHtb(Tree("wwan1", 500)));
  edge_.SetForeignRootQdisc("eth9", "tbf", 1);
  edge_.ClearCalls();
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0", "wwan1", "eth9"}));
  EXPECT_EQ(*edge_.ReadHtb("wwan0", 0x55), net::NormalizeHtbTree(Tree("wwan0", 1000)));
  EXPECT_EQ(*edge_.ReadHtb("wwan1", 0x55), std::nullopt);
  EXPECT_EQ(edge_.RootQdiscKind("eth9"), "tbf");
  // Cleaned once: a later Apply does not ask again.
  edge_.ClearCalls();
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0", "wwan1", "eth9"}));
  EXPECT_TRUE(edge_.calls().empty());
}

TEST_F(LaneActuatorTest, AFailureIsReportedAndRetried) {
  edge_.FailNextCall(Error{ErrorCode::kSystem, "no buffer space", 105});
  auto first = actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0"});
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().message, "no buffer space");
  EXPECT_TRUE(actuator_.applied().empty());
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0"}));
  EXPECT_EQ(*edge_.ReadHtb("wwan0", 0x55), net::NormalizeHtbTree(Tree("wwan0", 1000)));
}

TEST_F(LaneActuatorTest, InvalidateResendsAfterTheLinkCameBack) {
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0"}));
  edge_.RemoveInterface("wwan0");  // the bearer's link went away with its qdisc
  edge_.AddInterface("wwan0");
  actuator_.Invalidate("wwan0");
  edge_.ClearCalls();
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000)}, {"wwan0"}));
  EXPECT_EQ(edge_.calls(), (std::vector<Call>{{Kind::kReplaced, "wwan0", 0x55}}));
}

TEST_F(LaneActuatorTest, RemoveAllRemovesWhatItInstalledOnly) {
  edge_.SetForeignRootQdisc("eth9", "htb", 1);
  ASSERT_TRUE(actuator_.Apply({Tree("wwan0", 1000), Tree("wwan1", 1000)}, {"wwan0", "wwan1"}));
  ASSERT_TRUE(edge_.SetCounters("wwan0", 0x55, {0x10, 1500, 1, 0, 0}));
  auto counters = actuator_.Counters("wwan0");
  ASSERT_TRUE(counters);
  EXPECT_NE(std::find(counters->begin(), counters->end(), net::HtbLaneCounters{0x10, 1500, 1, 0, 0}), counters->end());
  edge_.ClearCalls();
  ASSERT_TRUE(actuator_.RemoveAll());
  EXPECT_EQ(edge_.calls(), (std::vector<Call>{{Kind::kRemoved, "wwan0", 0x55}, {Kind::kRemoved, "wwan1", 0x55}}));
  EXPECT_EQ(edge_.RootQdiscKind("eth9"), "htb");
  EXPECT_TRUE(actuator_.applied().empty());
}

}  // namespace
}  // namespace uplinkd::policy
