#include "tests/unit/net/traffic_control_edge_contract.h"

#include <algorithm>

namespace uplinkd::net {

HtbTree SampleHtbTree(const std::string& interface) {
  return HtbTree{
      .interface = interface,
      .major = 1,
      .rate_bps = 10'000'003,
      .default_minor = 0x40,
      .lanes = {
          HtbLane{.minor = 0x40, .rate_bps = 1'000'000, .ceil_bps = 10'000'000, .priority = 3, .queue_packets = 1000},
          // A ceiling above 2^32 bytes/s needs the kernel's 64-bit rate attributes.
          HtbLane{.minor = 0x10, .rate_bps = 2'000'005, .ceil_bps = 40'000'000'000, .priority = 0, .queue_packets = 100},
          HtbLane{.minor = 0x20, .rate_bps = 1'000'000, .ceil_bps = 10'000'000, .priority = 1, .queue_packets = 200},
          HtbLane{.minor = 0x30, .rate_bps = 1'000'000, .ceil_bps = 8'000'000, .priority = 2, .queue_packets = 500},
      }};
}

void PrintTo(const HtbTree& tree, std::ostream* out) {
  *out << tree.interface << " " << std::hex << tree.major << ": rate " << std::dec << tree.rate_bps << " default "
       << std::hex << tree.default_minor << std::dec << " lanes {";
  for (const HtbLane& lane : tree.lanes) {
    *out << " " << std::hex << lane.minor << std::dec << ": rate " << lane.rate_bps << " ceil " << lane.ceil_bps
         << " prio " << lane.priority << " limit " << lane.queue_packets << ";";
  }
  *out << " }";
}

void PrintTo(const HtbLaneCounters& counters, std::ostream* out) {
  *out << std::hex << counters.minor << std::dec << ": " << counters.packets << " packets, " << counters.bytes
       << " bytes, " << counters.drops << " drops, " << counters.backlog_packets << " queued";
}

namespace {

const HtbLaneCounters* FindLane(const std::vector<HtbLaneCounters>& counters, uint16_t minor) {
  auto it = std::find_if(counters.begin(), counters.end(), [&](const auto& c) { return c.minor == minor; });
  return it == counters.end() ? nullptr : &*it;
}

uint64_t PacketsOf(TrafficControlEdge& edge, const std::string& interface, uint16_t major, uint16_t minor) {
  auto counters = edge.ReadCounters(interface, major);
  EXPECT_TRUE(counters) << Describe(counters.error());
  if (!counters) return 0;
  const HtbLaneCounters* lane = FindLane(*counters, minor);
  EXPECT_NE(lane, nullptr) << "no lane " << minor;
  return lane ? lane->packets : 0;
}

TEST_P(TrafficControlEdgeContractTest, NothingThereAtFirst) {
  const std::string ifname = harness().interface();
  auto read = edge().ReadHtb(ifname, 1);
  ASSERT_TRUE(read) << Describe(read.error());
  EXPECT_EQ(*read, std::nullopt);
  auto counters = edge().ReadCounters(ifname, 1);
  ASSERT_TRUE(counters) << Describe(counters.error());
  EXPECT_TRUE(counters->empty());
  EXPECT_EQ(harness().RootQdiscKind(ifname), std::nullopt);
}

TEST_P(TrafficControlEdgeContractTest, ApplyThenReadBackTheNormalisedTree) {
  const HtbTree tree = SampleHtbTree(harness().interface());
  auto applied = edge().ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(harness().RootQdiscKind(tree.interface), "htb");
  auto read = edge().ReadHtb(tree.interface, tree.major);
  ASSERT_TRUE(read) << Describe(read.error());
  ASSERT_TRUE(read->has_value());
  HtbTree expected = NormalizeHtbTree(tree);
  EXPECT_EQ(**read, expected);
  EXPECT_EQ((*read)->rate_bps, 10'000'000u);
  EXPECT_EQ((*read)->lanes.front().minor, 0x10);
  // Another major is not ours.
  auto other = edge().ReadHtb(tree.interface, 2);
  ASSERT_TRUE(other);
  EXPECT_EQ(*other, std::nullopt);
  // Counters: one entry per lane, in the tree's order, all zero.
  auto counters = edge().ReadCounters(tree.interface, tree.major);
  ASSERT_TRUE(counters) << Describe(counters.error());
  ASSERT_EQ(counters->size(), expected.lanes.size());
  for (size_t i = 0; i < expected.lanes.size(); ++i) {
    EXPECT_EQ((*counters)[i], HtbLaneCounters{.minor = expected.lanes[i].minor});
  }
}

TEST_P(TrafficControlEdgeContractTest, PacketsCountInTheirLaneAndUnmarkedOnesInTheDefault) {
  const HtbTree tree = SampleHtbTree(harness().interface());
  ASSERT_TRUE(edge().ApplyHtb(tree));
  harness().Send(1, 0x10, 3);
  harness().Send(1, 0x30, 2);
  harness().Send(1, 0, 4);       // unmarked
  harness().Send(1, 0x77, 1);    // our major, no such lane: default
  harness().Send(9, 0x10, 1);    // another major: default
  auto counters = edge().ReadCounters(tree.interface, 1);
  ASSERT_TRUE(counters) << Describe(counters.error());
  const uint64_t size = harness().bytes_per_packet();
  EXPECT_EQ(*FindLane(*counters, 0x10), (HtbLaneCounters{.minor = 0x10, .bytes = 3 * size, .packets = 3}));
  EXPECT_EQ(*FindLane(*counters, 0x20), (HtbLaneCounters{.minor = 0x20}));
  EXPECT_EQ(*FindLane(*counters, 0x30), (HtbLaneCounters{.minor = 0x30, .bytes = 2 * size, .packets = 2}));
  EXPECT_EQ(*FindLane(*counters, 0x40), (HtbLaneCounters{.minor = 0x40, .bytes = 6 * size, .packets = 6}));
}

TEST_P(TrafficControlEdgeContractTest, SameShapeIsChangedInPlaceAndKeepsCounters) {
  HtbTree tree = SampleHtbTree(harness().interface());
  ASSERT_TRUE(edge().ApplyHtb(tree));
  harness().Send(1, 0x20, 5);
  // What a degraded Wan gets: a lower shaper rate, bulk capped, queues and priorities changed.
  tree.rate_bps = 2'000'000;
  tree.lanes[0] = HtbLane{.minor = 0x40, .rate_bps = 8'000, .ceil_bps = 200'000, .priority = 7, .queue_packets = 20};
  tree.lanes[2].priority = 4;
  tree.lanes[2].queue_packets = 64;
  tree.lanes[3].ceil_bps = 1'000'000;
  auto applied = edge().ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  auto read = edge().ReadHtb(tree.interface, 1);
  ASSERT_TRUE(read) << Describe(read.error());
  EXPECT_EQ(*read, NormalizeHtbTree(tree));
  EXPECT_EQ(PacketsOf(edge(), tree.interface, 1, 0x20), 5u) << "the lane class was recreated";
  // Applying the very same tree again changes nothing either.
  ASSERT_TRUE(edge().ApplyHtb(tree));
  EXPECT_EQ(PacketsOf(edge(), tree.interface, 1, 0x20), 5u);
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 1), NormalizeHtbTree(tree));
}

TEST_P(TrafficControlEdgeContractTest, AnotherShapeReplacesTheTree) {
  HtbTree tree = SampleHtbTree(harness().interface());
  ASSERT_TRUE(edge().ApplyHtb(tree));
  harness().Send(1, 0x10, 2);

  // One lane more: replaced, counters start again.
  tree.lanes.push_back(HtbLane{.minor = 0x50, .rate_bps = 64'000, .ceil_bps = 64'000, .priority = 5, .queue_packets = 10});
  auto applied = edge().ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 1), NormalizeHtbTree(tree));
  EXPECT_EQ(PacketsOf(edge(), tree.interface, 1, 0x10), 0u);

  // Another default lane: the qdisc itself differs.
  harness().Send(1, 0x10, 2);
  tree.default_minor = 0x50;
  ASSERT_TRUE(edge().ApplyHtb(tree));
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 1), NormalizeHtbTree(tree));
  EXPECT_EQ(PacketsOf(edge(), tree.interface, 1, 0x10), 0u);

  // Another major: the old handle is gone.
  tree.major = 7;
  ASSERT_TRUE(edge().ApplyHtb(tree));
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 7), NormalizeHtbTree(tree));
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 1), std::nullopt);
}

TEST_P(TrafficControlEdgeContractTest, ForeignRootQdiscIsReplacedByApplyAndLeftAloneByRemove) {
  const std::string ifname = harness().interface();
  harness().AddForeignTbf(ifname);
  ASSERT_EQ(harness().RootQdiscKind(ifname), "tbf");
  EXPECT_EQ(*edge().ReadHtb(ifname, 1), std::nullopt);
  EXPECT_TRUE(edge().ReadCounters(ifname, 1)->empty());
  auto removed = edge().RemoveHtb(ifname, 1);
  ASSERT_TRUE(removed) << Describe(removed.error());
  EXPECT_EQ(harness().RootQdiscKind(ifname), "tbf");

  const HtbTree tree = SampleHtbTree(ifname);
  auto applied = edge().ApplyHtb(tree);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(harness().RootQdiscKind(ifname), "htb");
  EXPECT_EQ(*edge().ReadHtb(ifname, 1), NormalizeHtbTree(tree));
}

TEST_P(TrafficControlEdgeContractTest, RemoveTakesOnlyItsOwnMajorAndIsIdempotent) {
  HtbTree tree = SampleHtbTree(harness().interface());
  tree.major = 7;
  ASSERT_TRUE(edge().ApplyHtb(tree));
  ASSERT_TRUE(edge().RemoveHtb(tree.interface, 1));  // not ours: stays
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 7), NormalizeHtbTree(tree));

  auto removed = edge().RemoveHtb(tree.interface, 7);
  ASSERT_TRUE(removed) << Describe(removed.error());
  EXPECT_EQ(*edge().ReadHtb(tree.interface, 7), std::nullopt);
  EXPECT_EQ(harness().RootQdiscKind(tree.interface), std::nullopt);
  auto again = edge().RemoveHtb(tree.interface, 7);
  ASSERT_TRUE(again) << Describe(again.error());
  EXPECT_EQ(harness().RootQdiscKind(tree.interface), std::nullopt);
}

TEST_P(TrafficControlEdgeContractTest, MissingInterface) {
  const std::string missing = harness().missing_interface();
  auto applied = edge().ApplyHtb(SampleHtbTree(missing));
  ASSERT_FALSE(applied);
  EXPECT_EQ(applied.error().code, ErrorCode::kNotFound) << Describe(applied.error());
  EXPECT_TRUE(edge().RemoveHtb(missing, 1));
  auto read = edge().ReadHtb(missing, 1);
  ASSERT_TRUE(read) << Describe(read.error());
  EXPECT_EQ(*read, std::nullopt);
  auto counters = edge().ReadCounters(missing, 1);
  ASSERT_TRUE(counters) << Describe(counters.error());
  EXPECT_TRUE(counters->empty());
}

TEST_P(TrafficControlEdgeContractTest, SenselessTreesAreRefusedAndTheOldOneStays) {
  const HtbTree good = SampleHtbTree(harness().interface());
  ASSERT_TRUE(edge().ApplyHtb(good));
  harness().Send(1, 0x10, 1);
  std::vector<std::pair<std::string, std::function<void(HtbTree&)>>> breakages = {
      {"no lanes", [](HtbTree& t) { t.lanes.clear(); }},
      {"default not a lane", [](HtbTree& t) { t.default_minor = 0x99; }},
      {"ceil below rate", [](HtbTree& t) { t.lanes[1].ceil_bps = t.lanes[1].rate_bps - 8; }},
      {"zero tree rate", [](HtbTree& t) { t.rate_bps = 0; }},
      {"tree rate below a byte per second", [](HtbTree& t) { t.rate_bps = 7; }},
      {"zero lane rate", [](HtbTree& t) { t.lanes[2].rate_bps = 0; }},
      {"duplicate minor", [](HtbTree& t) { t.lanes[2].minor = t.lanes[1].minor; }},
      {"minor 1 is the root class", [](HtbTree& t) { t.lanes[2].minor = 1; }},
      {"minor 0", [](HtbTree& t) { t.lanes[2].minor = 0; }},
      {"major 0", [](HtbTree& t) { t.major = 0; }},
      {"major ffff", [](HtbTree& t) { t.major = 0xffff; }},
      {"prio 8", [](HtbTree& t) { t.lanes[0].priority = 8; }},
      {"zero queue", [](HtbTree& t) { t.lanes[0].queue_packets = 0; }},
      {"no interface", [](HtbTree& t) { t.interface.clear(); }},
      {"interface name too long", [](HtbTree& t) { t.interface = "a-very-long-name0"; }},
  };
  for (auto& [name, breakage] : breakages) {
    HtbTree bad = good;
    bad.lanes[1].rate_bps = 3'000'000;  // so an accidental apply would show
    breakage(bad);
    auto refused = edge().ApplyHtb(bad);
    ASSERT_FALSE(refused) << name;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << name << ": " << Describe(refused.error());
    EXPECT_EQ(*edge().ReadHtb(good.interface, 1), NormalizeHtbTree(good)) << name;
  }
  EXPECT_EQ(PacketsOf(edge(), good.interface, 1, 0x10), 1u);
}

}  // namespace
}  // namespace uplinkd::net
