// The nftables table built from config and decision: what each chain says, and that the kernel's
// rules (Table::Validate) accept it.
#include "policy/policy_nft_table.h"

#include <gtest/gtest.h>
#include <netinet/in.h>

namespace uplinkd::policy {
namespace {

using namespace net::nft;

PolicyConfig TwoWans() {
  PolicyConfig config;
  for (auto [name, mark, weight] : {std::tuple{"a", 0x100u, 1u}, std::tuple{"b", 0x200u, 3u}}) {
    WanConfig wan;
    wan.name = name;
    wan.mark = mark;
    wan.weight = weight;
    wan.masquerade = std::string(name) == "a";
    config.wans.push_back(wan);
  }
  config.lan_interfaces = {"lan0"};
  return config;
}

Decision Paths(std::vector<WeightedWan> bulk) {
  Decision decision;
  for (auto traffic_class : kTrafficClasses) decision.paths[Index(traffic_class)].wans = {{"a", 1}};
  decision.paths[Index(TrafficClass::kBulk)].wans = std::move(bulk);
  return decision;
}

TEST(PolicyNftTableTest, BalanceSplitsTheSourcePortsByWeight) {
  auto table = PolicyNftTable::Build(TwoWans(), Paths({{"a", 1}, {"b", 3}}), {{"a", "wwan0"}, {"b", "wwan1"}});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  std::string text = table.ToString();
  EXPECT_NE(text.find("udp sport 0-16383 meta mark set meta mark & 0xffff00ff | 0x00000100 return"), std::string::npos)
      << text;
  EXPECT_NE(text.find("udp sport 16384-65535 meta mark set meta mark & 0xffff00ff | 0x00000200 return"), std::string::npos)
      << text;
  EXPECT_NE(text.find("tcp sport 16384-65535"), std::string::npos) << text;
  // Masquerade only where configured; forwarding from the LAN to each Wan.
  EXPECT_NE(text.find("oifname \"wwan0\" masquerade"), std::string::npos);
  EXPECT_EQ(text.find("oifname \"wwan1\" masquerade"), std::string::npos);
  EXPECT_NE(text.find("iifname \"lan0\" oifname \"wwan1\" counter"), std::string::npos);
}

TEST(PolicyNftTableTest, RulesClassifyInOrderAndSocketOwnersOnlyLocally) {
  auto config = TwoWans();
  ClassificationRule by_uid;
  by_uid.traffic_class = TrafficClass::kAlert;
  by_uid.uid = 990;
  ClassificationRule by_dscp;
  by_dscp.traffic_class = TrafficClass::kAlert;
  by_dscp.dscp = 46;
  ClassificationRule by_port;
  by_port.traffic_class = TrafficClass::kManagement;
  by_port.protocol = IPPROTO_TCP;
  by_port.destination_port = PortRange{22, 22};
  by_port.destination = net::IpPrefix::Parse("198.51.100.0/24");
  config.rules = {by_uid, by_dscp, by_port};
  config.alert_dscp = {};  // the built-in DSCP rules have a test of their own
  auto table = PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  const Chain* lan = table.FindChain("classify_lan");
  const Chain* local = table.FindChain("classify_local");
  ASSERT_TRUE(lan && local);
  // local: uid, dscp v4, dscp v6, port, default; lan: the same without uid.
  EXPECT_EQ(local->rules.size(), 5u);
  EXPECT_EQ(lan->rules.size(), 4u);
  EXPECT_EQ(ToString(local->rules[0]).find("meta skuid 990"), 0u) << ToString(local->rules[0]);
  EXPECT_NE(ToString(lan->rules[2]).find("ip daddr 198.51.100.0/24 tcp dport 22"), std::string::npos)
      << ToString(lan->rules[2]);
  EXPECT_NE(ToString(lan->rules.back()).find("0x00030000"), std::string::npos);  // default: telemetry
}

TEST(PolicyNftTableTest, AlertDscpValuesClassifyAfterTheRulesAndBeforeTheDefault) {
  auto config = TwoWans();
  ClassificationRule bulk_port;
  bulk_port.traffic_class = TrafficClass::kBulk;
  bulk_port.protocol = IPPROTO_UDP;
  bulk_port.destination_port = PortRange{9100, 9199};
  config.rules = {bulk_port};
  ASSERT_EQ(config.alert_dscp, (std::vector<uint8_t>{46, 40}));  // EF and CS5 unless configured
  auto table = PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  for (const char* name : {"classify_lan", "classify_local"}) {
    const Chain* chain = table.FindChain(name);
    ASSERT_TRUE(chain);
    // rule 1, then EF and CS5 for IPv4 and IPv6, then the default.
    ASSERT_EQ(chain->rules.size(), 6u) << table.ToString();
    EXPECT_NE(ToString(chain->rules[0]).find("udp dport 9100-9199"), std::string::npos);
    EXPECT_EQ(ToString(chain->rules[1]).find("ip dscp ef meta mark set"), 0u) << ToString(chain->rules[1]);
    EXPECT_EQ(ToString(chain->rules[2]).find("ip6 dscp ef"), 0u) << ToString(chain->rules[2]);
    EXPECT_EQ(ToString(chain->rules[3]).find("ip dscp cs5"), 0u) << ToString(chain->rules[3]);
    for (size_t i = 1; i <= 4; ++i) {
      EXPECT_NE(ToString(chain->rules[i]).find("| 0x00010000 return"), std::string::npos) << ToString(chain->rules[i]);
    }
  }
  config.alert_dscp = {};
  EXPECT_EQ(PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}}).FindChain("classify_lan")->rules.size(),
            2u);
}

TEST(PolicyNftTableTest, WansWithoutAnInterfaceGetNoInterfaceRules) {
  auto table = PolicyNftTable::Build(TwoWans(), Paths({{"a", 1}}), {});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  EXPECT_TRUE(table.FindChain("postrouting")->rules.empty());
  EXPECT_TRUE(table.FindChain("forward")->rules.empty());
  EXPECT_EQ(table.FindChain("prerouting")->rules.size(), 1u);  // lan0 -> mark_lan
}

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

// The relay's sockets bound to a Wan's address and talking to the broker's port get that Wan and
// the alert class before anything else in output (they carry no mark of their own).
TEST(PolicyNftTableTest, LocalPinsComeFirstInOutputPerWanAddress) {
  PolicyConfig config = TwoWans();
  config.local_pins = {{IPPROTO_TCP, 8883, TrafficClass::kAlert}, {IPPROTO_UDP, 5683, TrafficClass::kManagement}};
  auto table = PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}, {"b", "wwan1"}},
                                     {{"a", {Ip("100.64.1.2"), Ip("2001:db8:1::2")}}, {"b", {Ip("100.64.2.2")}}});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  const Chain* output = table.FindChain("output");
  ASSERT_NE(output, nullptr);
  ASSERT_EQ(output->rules.size(), 3u * 2u + 2u);  // 3 addresses x 2 pins, then the two usual rules
  auto pin_rule = [](const char* host, uint8_t protocol, uint16_t port, uint32_t marks) {
    MatchTransport transport;
    transport.protocol = protocol;
    transport.destination_port = net::nft::PortRange{port, port};
    auto address = *net::IpAddress::Parse(host);
    return std::pair{std::vector<Match>{MatchAddress{MatchAddress::Side::kSource,
                                                     net::IpPrefix(address, address.family() == net::IpFamily::kV4 ? 32 : 128),
                                                     false},
                                        transport},
                     std::vector<Statement>{SetMark{MarkStore::kPacket, marks, kWanMarkMask | kClassMarkMask}, Return()}};
  };
  std::vector<std::pair<std::vector<Match>, std::vector<Statement>>> expected = {
      pin_rule("100.64.1.2", IPPROTO_TCP, 8883, 0x100 | 0x10000),
      pin_rule("100.64.1.2", IPPROTO_UDP, 5683, 0x100 | 0x20000),
      pin_rule("2001:db8:1::2", IPPROTO_TCP, 8883, 0x100 | 0x10000),
      pin_rule("2001:db8:1::2", IPPROTO_UDP, 5683, 0x100 | 0x20000),
      pin_rule("100.64.2.2", IPPROTO_TCP, 8883, 0x200 | 0x10000),
      pin_rule("100.64.2.2", IPPROTO_UDP, 5683, 0x200 | 0x20000),
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(output->rules[i].matches, expected[i].first) << i << ": " << ToString(output->rules[i]);
    EXPECT_EQ(output->rules[i].statements, expected[i].second) << i << ": " << ToString(output->rules[i]);
  }
  EXPECT_NE(ToString(output->rules[0]).find("ip saddr 100.64.1.2"), std::string::npos) << ToString(output->rules[0]);
  EXPECT_EQ(output->rules[6].comment, "the socket chose its Wan");
  // No pins, or no addresses: no pin rules.
  EXPECT_EQ(PolicyNftTable::Build(TwoWans(), Paths({{"a", 1}}), {{"a", "wwan0"}}, {{"a", {Ip("100.64.1.2")}}})
                .FindChain("output")->rules.size(), 2u);
  EXPECT_EQ(PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}}).FindChain("output")->rules.size(), 2u);
}

// Lanes on: out of each shaped Wan with an interface, the class bits pick the HTB lane; the
// other Wans (no [wan.shaping], or no interface) get none. Lanes off: no chain at all.
TEST(PolicyNftTableTest, LanesChainMapsClassBitsToLanePriorities) {
  PolicyConfig config = TwoWans();
  config.wans[0].shaping = WanShaping{1000, 250};
  WanConfig third;
  third.name = "c";
  third.mark = 0x300;
  third.shaping = WanShaping{1000, 250};
  config.wans.push_back(third);  // shaped, but no interface yet
  auto table = PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}, {"b", "wwan1"}});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  const Chain* lanes = table.FindChain("lanes");
  ASSERT_NE(lanes, nullptr);
  EXPECT_EQ(lanes->base, (BaseChain{ChainType::kFilter, Hook::kPostrouting, kPriorityMangle, false}));
  ASSERT_EQ(lanes->rules.size(), 4u);
  const uint16_t minors[] = {0x10, 0x20, 0x30, 0x40};
  for (size_t i = 0; i < 4; ++i) {
    std::vector<Match> matches = {MatchInterface{MatchInterface::Direction::kOutput, "wwan0", false},
                                  MatchMark{MarkStore::kPacket, static_cast<uint32_t>(i + 1) << 16, kClassMarkMask, false}};
    std::vector<Statement> statements = {Counter{}, SetPriority{0x55, minors[i]}};
    EXPECT_EQ(lanes->rules[i].matches, matches) << ToString(lanes->rules[i]);
    EXPECT_EQ(lanes->rules[i].statements, statements) << ToString(lanes->rules[i]);
  }
  EXPECT_NE(ToString(lanes->rules[0]).find("meta priority set 55:10"), std::string::npos) << ToString(lanes->rules[0]);

  config.lanes = false;
  EXPECT_EQ(PolicyNftTable::Build(config, Paths({{"a", 1}}), {{"a", "wwan0"}}).FindChain("lanes"), nullptr);
}

}  // namespace
}  // namespace uplinkd::policy
