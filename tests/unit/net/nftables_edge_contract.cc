#include "tests/unit/net/nftables_edge_contract.h"

#include "tests/unit/net/nft_sample_table.h"

namespace uplinkd::net {
namespace {

using nft::Family;

nft::Table SmallTable(const std::string& name, uint32_t mark) {
  return nft::Table{
      .family = Family::kInet,
      .name = name,
      .chains = {nft::Chain{
          .name = "prerouting",
          .base = nft::BaseChain{.type = nft::ChainType::kFilter, .hook = nft::Hook::kPrerouting,
                                 .priority = nft::kPriorityMangle},
          .rules = {nft::Rule{.matches = {nft::MatchInterface{.name = "lan0"}},
                              .statements = {nft::SetMark{.value = mark}}}}}}};
}

TEST_P(NftablesEdgeContractTest, ApplyCreatesTheTableAsModelled) {
  auto table = nft::SampleTable("uplinkd_t1");
  EXPECT_FALSE(*edge().TableExists(Family::kInet, "uplinkd_t1"));
  auto applied = edge().ApplyTable(table);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_TRUE(*edge().TableExists(Family::kInet, "uplinkd_t1"));
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd_t1"), nft::SampleTableText("uplinkd_t1"));
}

TEST_P(NftablesEdgeContractTest, ApplyReplacesTheWholeTable) {
  ASSERT_TRUE(edge().ApplyTable(nft::SampleTable("uplinkd")));
  auto small = SmallTable("uplinkd", 0x700);
  auto applied = edge().ApplyTable(small);
  ASSERT_TRUE(applied) << Describe(applied.error());
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd"), small.ToString());
  // Same again: still exactly that.
  ASSERT_TRUE(edge().ApplyTable(small));
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd"), small.ToString());
}

TEST_P(NftablesEdgeContractTest, InvalidTableIsRefusedAndTheOldOneStays) {
  auto good = SmallTable("uplinkd", 0x100);
  ASSERT_TRUE(edge().ApplyTable(good));
  auto bad = SmallTable("uplinkd", 0x200);
  bad.chains[0].rules.push_back(nft::Rule{.matches = {}, .statements = {nft::Jump("nowhere")}});
  auto refused = edge().ApplyTable(bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd"), good.ToString());
}

TEST_P(NftablesEdgeContractTest, DeleteTable) {
  ASSERT_TRUE(edge().DeleteTable(Family::kInet, "uplinkd"));  // absent: success
  ASSERT_TRUE(edge().ApplyTable(SmallTable("uplinkd", 0x100)));
  ASSERT_TRUE(edge().ApplyTable(SmallTable("other", 0x200)));
  auto deleted = edge().DeleteTable(Family::kInet, "uplinkd");
  ASSERT_TRUE(deleted) << Describe(deleted.error());
  EXPECT_FALSE(*edge().TableExists(Family::kInet, "uplinkd"));
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd"), std::nullopt);
  EXPECT_TRUE(*edge().TableExists(Family::kInet, "other"));  // only what was asked
  ASSERT_TRUE(edge().DeleteTable(Family::kInet, "uplinkd"));
}

TEST_P(NftablesEdgeContractTest, FamiliesAreSeparateNamespaces) {
  nft::Table ip{.family = Family::kIp, .name = "uplinkd", .chains = {}};
  ip.chains.push_back(nft::Chain{
      .name = "postrouting",
      .base = nft::BaseChain{.type = nft::ChainType::kNat, .hook = nft::Hook::kPostrouting,
                             .priority = nft::kPrioritySrcNat},
      .rules = {nft::Rule{.matches = {nft::MatchAddress{.side = nft::MatchAddress::Side::kSource,
                                                         .prefix = *IpPrefix::Parse("100.64.0.0/24")},
                                      nft::MatchInterface{.direction = nft::MatchInterface::Direction::kOutput,
                                                          .name = "wwan1"}},
                          .statements = {nft::Masquerade{}}}}});
  ASSERT_TRUE(edge().ApplyTable(ip));
  EXPECT_TRUE(*edge().TableExists(Family::kIp, "uplinkd"));
  EXPECT_FALSE(*edge().TableExists(Family::kInet, "uplinkd"));
  EXPECT_FALSE(*edge().TableExists(Family::kIp6, "uplinkd"));
  EXPECT_EQ(harness().Listed(Family::kIp, "uplinkd"), ip.ToString());

  nft::Table ip6{.family = Family::kIp6, .name = "uplinkd", .chains = {}};
  ip6.chains.push_back(nft::Chain{.name = "empty", .base = std::nullopt, .rules = {}});
  ASSERT_TRUE(edge().ApplyTable(ip6));
  EXPECT_EQ(harness().Listed(Family::kIp6, "uplinkd"), ip6.ToString());
  ASSERT_TRUE(edge().DeleteTable(Family::kIp, "uplinkd"));
  EXPECT_TRUE(*edge().TableExists(Family::kIp6, "uplinkd"));
}

TEST_P(NftablesEdgeContractTest, EmptyTable) {
  nft::Table empty{.family = Family::kInet, .name = "uplinkd", .chains = {}};
  ASSERT_TRUE(edge().ApplyTable(empty));
  EXPECT_EQ(harness().Listed(Family::kInet, "uplinkd"), "table inet uplinkd {\n}\n");
}

}  // namespace
}  // namespace uplinkd::net
