#include "net/nft_table.h"

#include <gtest/gtest.h>

#include "net/fake_nftables_edge.h"
#include "tests/unit/net/nft_sample_table.h"
#include "tests/unit/net/nftables_edge_contract.h"

namespace uplinkd::net {
namespace {

using namespace nft;  // NOLINT: the model's vocabulary reads better unqualified here

class FakeNftablesEdgeHarness : public NftablesEdgeHarness {
 public:
  NftablesEdge& edge() override { return fake_; }
  std::optional<std::string> Listed(Family family, const std::string& name) override {
    const Table* table = fake_.Find(family, name);
    if (!table) return std::nullopt;
    return table->ToString();
  }

 private:
  FakeNftablesEdge fake_;
};

INSTANTIATE_TEST_SUITE_P(Fake, NftablesEdgeContractTest,
                         ::testing::Values(NamedNftablesEdgeHarnessFactory{
                             "Fake", [] { return std::make_unique<FakeNftablesEdgeHarness>(); }}),
                         NftHarnessName);

TEST(NftTableTest, RendersLikeNftList) {
  auto table = SampleTable();
  ASSERT_TRUE(table.Validate()) << Describe(table.Validate().error());
  EXPECT_EQ(table.ToString(), SampleTableText());
}

TEST(NftTableTest, PriorityNamesFollowNft) {
  EXPECT_EQ(PriorityName(Hook::kPrerouting, -150), "mangle");
  EXPECT_EQ(PriorityName(Hook::kPrerouting, -100), "dstnat");
  EXPECT_EQ(PriorityName(Hook::kOutput, -100), "-100");  // dstnat only names prerouting
  EXPECT_EQ(PriorityName(Hook::kPostrouting, 100), "srcnat");
  EXPECT_EQ(PriorityName(Hook::kInput, 100), "100");
  EXPECT_EQ(PriorityName(Hook::kInput, 60), "security + 10");
  EXPECT_EQ(PriorityName(Hook::kInput, -10), "filter - 10");
  EXPECT_EQ(PriorityName(Hook::kForward, -300), "raw");
  EXPECT_EQ(PriorityName(Hook::kInput, 25), "25");
  EXPECT_EQ(PriorityName(Hook::kInput, -200), "-200");
}

TEST(NftTableTest, MaskedMarkSetRendersTheKeptBits) {
  Rule rule{.matches = {}, .statements = {SetMark{.store = MarkStore::kPacket, .value = 0x200, .mask = 0xff00}}};
  EXPECT_EQ(ToString(rule), "meta mark set meta mark & 0xffff00ff | 0x00000200");
}

Table WithRules(Family family, std::vector<Rule> rules, std::optional<BaseChain> base = std::nullopt) {
  return Table{.family = family, .name = "t", .chains = {Chain{.name = "c", .base = base, .rules = std::move(rules)}}};
}

void ExpectInvalid(const Table& table, const std::string& why) {
  auto result = table.Validate();
  ASSERT_FALSE(result) << why << "\n" << table.ToString();
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
}

TEST(NftTableTest, ValidationRefusesWhatTheKernelWould) {
  auto v6 = *IpPrefix::Parse("2001:db8::/32");
  auto v4 = *IpPrefix::Parse("192.0.2.0/24");
  ExpectInvalid(WithRules(Family::kIp, {Rule{.matches = {MatchAddress{.prefix = v6}}, .statements = {Accept()}}}),
                "ip6 address in an ip table");
  ExpectInvalid(WithRules(Family::kIp6, {Rule{.matches = {MatchAddress{.prefix = v4}}, .statements = {}}}),
                "ip address in an ip6 table");
  ExpectInvalid(WithRules(Family::kIp, {Rule{.matches = {MatchDscp{.family = IpFamily::kV6, .dscp = 1}}}}),
                "ip6 dscp in an ip table");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {MatchDscp{.family = IpFamily::kV4, .dscp = 64}}}}),
                "dscp 64");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {MatchTransport{.protocol = 1, .destination_port = PortRange{1, 1}}}}}),
                "icmp with ports");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {MatchTransport{.protocol = 6, .source_port = PortRange{9, 1}}}}}),
                "backwards range");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {MatchInterface{.name = "a-name-far-too-long"}}}}),
                "interface name too long");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {MatchInterface{.name = "wa*n"}}}}), "star inside a name");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {}, .statements = {Accept(), Counter{}}}}),
                "verdict before a statement");
  ExpectInvalid(WithRules(Family::kInet, {Rule{}}), "empty rule");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {}, .statements = {Jump("c")}}}), "jump to itself");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {}, .statements = {Masquerade{}}}},
                          BaseChain{.type = ChainType::kFilter, .hook = Hook::kPostrouting}),
                "masquerade in a filter chain");
  ExpectInvalid(WithRules(Family::kInet, {}, BaseChain{.type = ChainType::kRoute, .hook = Hook::kPrerouting}),
                "route chain on prerouting");
  ExpectInvalid(WithRules(Family::kInet, {}, BaseChain{.type = ChainType::kNat, .hook = Hook::kForward}),
                "nat on forward");
  ExpectInvalid(WithRules(Family::kInet, {}, BaseChain{.type = ChainType::kNat, .hook = Hook::kPostrouting, .priority = -300}),
                "nat before conntrack");
  ExpectInvalid(WithRules(Family::kInet, {Rule{.matches = {}, .statements = {Counter{}}, .comment = "say \"hi\""}}),
                "quote in a comment");
  ExpectInvalid(Table{.family = Family::kInet, .name = "", .chains = {}}, "no table name");

  Table duplicate = WithRules(Family::kInet, {});
  duplicate.chains.push_back(duplicate.chains[0]);
  ExpectInvalid(duplicate, "chain twice");
}

TEST(NftTableTest, ValidationFollowsJumps) {
  Table table{.family = Family::kInet, .name = "t", .chains = {}};
  table.chains.push_back(Chain{.name = "a", .base = std::nullopt, .rules = {Rule{.statements = {Jump("b")}}}});
  table.chains.push_back(Chain{.name = "b", .base = std::nullopt, .rules = {Rule{.statements = {Goto("a")}}}});
  ExpectInvalid(table, "a -> b -> a");

  Table base_target{.family = Family::kInet, .name = "t", .chains = {}};
  base_target.chains.push_back(Chain{.name = "hooked", .base = BaseChain{}, .rules = {}});
  base_target.chains.push_back(Chain{.name = "r", .base = std::nullopt, .rules = {Rule{.statements = {Jump("hooked")}}}});
  ExpectInvalid(base_target, "jump to a base chain");

  // Masquerade in a regular chain is fine when only nat postrouting reaches it...
  Table nat{.family = Family::kInet, .name = "t", .chains = {}};
  nat.chains.push_back(Chain{.name = "post",
                             .base = BaseChain{.type = ChainType::kNat, .hook = Hook::kPostrouting, .priority = 100},
                             .rules = {Rule{.statements = {Jump("masq")}}}});
  nat.chains.push_back(Chain{.name = "masq", .base = std::nullopt, .rules = {Rule{.statements = {Masquerade{}}}}});
  EXPECT_TRUE(nat.Validate());
  // ...and not when a filter chain reaches it too.
  nat.chains.push_back(Chain{.name = "pre", .base = BaseChain{}, .rules = {Rule{.statements = {Jump("masq")}}}});
  ExpectInvalid(nat, "masquerade reached from a filter chain");
}

TEST(FakeNftablesEdgeTest, RecordsAndFails) {
  FakeNftablesEdge fake;
  auto table = SampleTable("uplinkd");
  ASSERT_TRUE(fake.ApplyTable(table));
  ASSERT_NE(fake.Find(Family::kInet, "uplinkd"), nullptr);
  EXPECT_EQ(*fake.Find(Family::kInet, "uplinkd"), table);
  EXPECT_EQ(fake.apply_count(), 1);

  fake.FailNextCall(Error{ErrorCode::kUnavailable, "kernel busy", EBUSY});
  Table other = table;
  other.chains.pop_back();
  EXPECT_FALSE(fake.ApplyTable(other));
  EXPECT_EQ(*fake.Find(Family::kInet, "uplinkd"), table);  // a failed apply changes nothing
  ASSERT_TRUE(fake.ApplyTable(other));
  EXPECT_EQ(*fake.Find(Family::kInet, "uplinkd"), other);
  EXPECT_EQ(fake.apply_count(), 2);
}

}  // namespace
}  // namespace uplinkd::net
