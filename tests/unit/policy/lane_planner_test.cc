// LanePlanner: the HTB tree per Wan for every level (normal, degraded, severe) and every way of
// becoming severe; the tree is one the edge accepts.
#include "policy/lane_planner.h"

#include <gtest/gtest.h>

namespace uplinkd::policy {
namespace {

LaneInputs Inputs() {
  LaneInputs inputs;
  inputs.shaping.upload_kbit = 1000;
  inputs.shaping.min_kbit = 250;
  inputs.shaping.delay_threshold = std::chrono::milliseconds(30);
  inputs.interface = "wwan0";
  inputs.health.state = WanHealthState::kUp;
  inputs.degraded_loss = 0.1;
  inputs.rate_kbit = 800;
  inputs.delay_ms = 5.0;
  return inputs;
}

std::vector<uint64_t> Ceilings(const net::HtbTree& tree) {
  std::vector<uint64_t> ceilings;
  for (const auto& lane : tree.lanes) {
    EXPECT_EQ(lane.rate_bps, lane.ceil_bps);
    ceilings.push_back(lane.ceil_bps);
  }
  return ceilings;
}

TEST(LanePlannerTest, NormalTreeGivesEveryLaneTheShaperRateInStrictPriority) {
  LanePlan plan = LanePlanner::Plan(Inputs());
  EXPECT_EQ(plan.level, LaneLevel::kNormal);
  net::HtbTree expected;
  expected.interface = "wwan0";
  expected.major = 0x55;
  expected.rate_bps = 800000;
  expected.default_minor = 0x20;  // unclassified (probes) -> management
  expected.lanes = {{0x10, 800000, 800000, 0, 32},
                    {0x20, 800000, 800000, 1, 32},
                    {0x30, 800000, 800000, 2, 64},
                    {0x40, 800000, 800000, 3, 256}};
  EXPECT_EQ(plan.tree, expected);
  EXPECT_TRUE(net::ValidateHtbTree(plan.tree));
}

TEST(LanePlannerTest, DegradedCapsBulkOnly) {
  LaneInputs inputs = Inputs();
  inputs.health.degraded = true;
  inputs.health.loss = 0.1;
  LanePlan plan = LanePlanner::Plan(inputs);
  EXPECT_EQ(plan.level, LaneLevel::kDegraded);
  EXPECT_EQ(Ceilings(plan.tree), (std::vector<uint64_t>{800000, 800000, 800000, 80000}));
  EXPECT_TRUE(net::ValidateHtbTree(plan.tree));
}

TEST(LanePlannerTest, SevereCapsTelemetryTooForEachCause) {
  struct Case {
    const char* what;
    double loss;
    std::optional<double> delay;
    bool at_min;
    LaneLevel level;
  };
  const Case cases[] = {
      {"loss just under 2x degraded_loss", 0.19, 5.0, false, LaneLevel::kDegraded},
      {"loss 2x degraded_loss", 0.2, 5.0, false, LaneLevel::kSevere},
      {"delay just under 2x threshold", 0.0, 59.9, false, LaneLevel::kDegraded},
      {"delay 2x threshold", 0.0, 60.0, false, LaneLevel::kSevere},
      {"no delay known", 0.0, std::nullopt, false, LaneLevel::kDegraded},
      {"rate at min", 0.0, 5.0, true, LaneLevel::kSevere},
  };
  for (const auto& c : cases) {
    LaneInputs inputs = Inputs();
    inputs.health.degraded = true;
    inputs.health.loss = c.loss;
    inputs.delay_ms = c.delay;
    inputs.rate_at_min = c.at_min;
    LanePlan plan = LanePlanner::Plan(inputs);
    EXPECT_EQ(plan.level, c.level) << c.what;
    std::vector<uint64_t> expected = c.level == LaneLevel::kSevere
                                         ? std::vector<uint64_t>{800000, 800000, 400000, 80000}
                                         : std::vector<uint64_t>{800000, 800000, 800000, 80000};
    EXPECT_EQ(Ceilings(plan.tree), expected) << c.what;
    // Not degraded by health: the same facts leave the lanes alone.
    inputs.health.degraded = false;
    EXPECT_EQ(LanePlanner::Level(inputs), LaneLevel::kNormal) << c.what;
  }
}

TEST(LanePlannerTest, PercentagesComeFromConfigAndCapsHaveAFloor) {
  LaneInputs inputs = Inputs();
  inputs.health.degraded = true;
  inputs.rate_at_min = true;
  inputs.shaping.degraded_bulk_percent = 1;
  inputs.shaping.degraded_telemetry_percent = 30;
  inputs.rate_kbit = 250;
  LanePlan plan = LanePlanner::Plan(inputs);
  // 1% of 250 kbit/s is 2.5 kbit/s: raised to the 8 kbit/s floor.
  EXPECT_EQ(Ceilings(plan.tree), (std::vector<uint64_t>{250000, 250000, 75000, 8000}));
  // A shaper slower than the floor: lanes never exceed the shaper.
  inputs.rate_kbit = 5;
  plan = LanePlanner::Plan(inputs);
  EXPECT_EQ(Ceilings(plan.tree), (std::vector<uint64_t>{5000, 5000, 5000, 5000}));
  EXPECT_TRUE(net::ValidateHtbTree(plan.tree));
}

TEST(LanePlannerTest, LevelNames) {
  EXPECT_STREQ(LaneLevelName(LaneLevel::kNormal), "normal");
  EXPECT_STREQ(LaneLevelName(LaneLevel::kDegraded), "degraded");
  EXPECT_STREQ(LaneLevelName(LaneLevel::kSevere), "severe");
}

}  // namespace
}  // namespace uplinkd::policy
