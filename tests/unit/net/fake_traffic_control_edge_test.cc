#include "net/fake_traffic_control_edge.h"

#include <gtest/gtest.h>

#include "tests/unit/net/traffic_control_edge_contract.h"

namespace uplinkd::net {
namespace {

using Call = FakeTrafficControlEdge::Call;

// Classifies like HTB: priority <major>:<lane> goes to that lane, anything else to the default.
class FakeTrafficControlEdgeHarness : public TrafficControlEdgeHarness {
 public:
  FakeTrafficControlEdgeHarness() { fake_.RemoveInterface(missing_interface()); }
  TrafficControlEdge& edge() override { return fake_; }
  std::string interface() override { return "wwan0"; }
  void AddForeignTbf(const std::string& interface) override { fake_.SetForeignRootQdisc(interface, "tbf", 0x50); }
  std::optional<std::string> RootQdiscKind(const std::string& interface) override {
    return fake_.RootQdiscKind(interface);
  }
  void Send(uint16_t major, uint16_t minor, int packets) override {
    // Whatever HTB is the root qdisc takes the packets; find it among the majors the tests use.
    for (uint16_t root_major : {1, 7}) {
      auto tree = *fake_.ReadHtb(interface(), root_major);
      if (!tree) continue;
      uint16_t lane = tree->default_minor;
      if (major == root_major) {
        for (const HtbLane& candidate : tree->lanes) {
          if (candidate.minor == minor) lane = minor;
        }
      }
      auto all = fake_.ReadCounters(interface(), root_major);
      ASSERT_TRUE(all);
      for (const HtbLaneCounters& counters : *all) {
        if (counters.minor != lane) continue;
        HtbLaneCounters grown = counters;
        grown.packets += packets;
        grown.bytes += packets * bytes_per_packet();
        ASSERT_TRUE(fake_.SetCounters(interface(), root_major, grown));
      }
      return;
    }
    FAIL() << "no htb tree to send through";
  }
  uint64_t bytes_per_packet() override { return 142; }

 private:
  FakeTrafficControlEdge fake_;
};

INSTANTIATE_TEST_SUITE_P(Fake, TrafficControlEdgeContractTest,
                         ::testing::Values(NamedTrafficControlEdgeHarnessFactory{
                             "Fake", [] { return std::make_unique<FakeTrafficControlEdgeHarness>(); }}),
                         TcHarnessName);

TEST(FakeTrafficControlEdgeTest, CallLogTellsInPlaceFromReplaced) {
  FakeTrafficControlEdge fake;
  HtbTree tree = SampleHtbTree("wwan0");
  ASSERT_TRUE(fake.ApplyHtb(tree));
  tree.lanes[0].ceil_bps = 2'000'000;
  ASSERT_TRUE(fake.ApplyHtb(tree));
  tree.default_minor = 0x10;
  ASSERT_TRUE(fake.ApplyHtb(tree));
  ASSERT_FALSE(fake.ApplyHtb(HtbTree{.interface = "wwan0", .major = 1}));  // refused: not logged
  ASSERT_TRUE(fake.RemoveHtb("wwan0", 1));
  ASSERT_TRUE(fake.RemoveHtb("wwan0", 1));  // nothing there: not logged
  EXPECT_EQ(fake.calls(), (std::vector<Call>{{Call::Kind::kReplaced, "wwan0", 1},
                                             {Call::Kind::kChangedInPlace, "wwan0", 1},
                                             {Call::Kind::kReplaced, "wwan0", 1},
                                             {Call::Kind::kRemoved, "wwan0", 1}}));
  fake.ClearCalls();
  EXPECT_TRUE(fake.calls().empty());
}

TEST(FakeTrafficControlEdgeTest, InjectedFailureIsOneShotAndChangesNothing) {
  FakeTrafficControlEdge fake;
  const HtbTree tree = SampleHtbTree("wwan1");
  fake.FailNextCall(Error{ErrorCode::kSystem, "netlink says no", EBUSY});
  auto failed = fake.ApplyHtb(tree);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().errno_value, EBUSY);
  EXPECT_EQ(*fake.ReadHtb("wwan1", 1), std::nullopt);
  EXPECT_TRUE(fake.calls().empty());
  ASSERT_TRUE(fake.ApplyHtb(tree));
  fake.FailNextCall(Error{ErrorCode::kSystem, "read fails", EIO});
  EXPECT_FALSE(fake.ReadCounters("wwan1", 1));
  EXPECT_EQ(fake.ReadCounters("wwan1", 1)->size(), tree.lanes.size());
}

TEST(FakeTrafficControlEdgeTest, RemovedInterfaceTakesItsTreeAlong) {
  FakeTrafficControlEdge fake;
  ASSERT_TRUE(fake.ApplyHtb(SampleHtbTree("wwan0")));
  fake.RemoveInterface("wwan0");
  EXPECT_EQ(*fake.ReadHtb("wwan0", 1), std::nullopt);
  EXPECT_EQ(fake.ApplyHtb(SampleHtbTree("wwan0")).error().code, ErrorCode::kNotFound);
  fake.AddInterface("wwan0");
  EXPECT_EQ(*fake.ReadHtb("wwan0", 1), std::nullopt);  // back, with the default qdisc
  EXPECT_TRUE(fake.ApplyHtb(SampleHtbTree("wwan0")));
}

TEST(FakeTrafficControlEdgeTest, CountersOnlyForLanesThatExist) {
  FakeTrafficControlEdge fake;
  EXPECT_FALSE(fake.SetCounters("wwan0", 1, HtbLaneCounters{.minor = 0x10, .packets = 1}));
  ASSERT_TRUE(fake.ApplyHtb(SampleHtbTree("wwan0")));
  EXPECT_FALSE(fake.SetCounters("wwan0", 1, HtbLaneCounters{.minor = 0x11, .packets = 1}));
  EXPECT_FALSE(fake.SetCounters("wwan0", 2, HtbLaneCounters{.minor = 0x10, .packets = 1}));
  HtbLaneCounters busy{.minor = 0x10, .bytes = 9000, .packets = 6, .drops = 2, .backlog_packets = 3};
  ASSERT_TRUE(fake.SetCounters("wwan0", 1, busy));
  EXPECT_EQ(fake.ReadCounters("wwan0", 1)->front(), busy);  // lanes by ascending minor: 0x10 first
}

TEST(TrafficControlEdgeTest, NormaliseRoundsRatesDownToBytesAndSortsLanes) {
  HtbTree tree{.interface = "x", .major = 1, .rate_bps = 15, .default_minor = 3,
               .lanes = {HtbLane{.minor = 3, .rate_bps = 9, .ceil_bps = 17, .priority = 0, .queue_packets = 1},
                         HtbLane{.minor = 2, .rate_bps = 8, .ceil_bps = 8, .priority = 0, .queue_packets = 1}}};
  ASSERT_TRUE(ValidateHtbTree(tree));
  HtbTree normal = NormalizeHtbTree(tree);
  EXPECT_EQ(normal.rate_bps, 8u);
  ASSERT_EQ(normal.lanes.size(), 2u);
  EXPECT_EQ(normal.lanes[0], (HtbLane{.minor = 2, .rate_bps = 8, .ceil_bps = 8, .priority = 0, .queue_packets = 1}));
  EXPECT_EQ(normal.lanes[1], (HtbLane{.minor = 3, .rate_bps = 8, .ceil_bps = 16, .priority = 0, .queue_packets = 1}));
}

}  // namespace
}  // namespace uplinkd::net
