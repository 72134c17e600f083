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

TEST(PolicyNftTableTest, WansWithoutAnInterfaceGetNoInterfaceRules) {
  auto table = PolicyNftTable::Build(TwoWans(), Paths({{"a", 1}}), {});
  ASSERT_TRUE(table.Validate()) << table.ToString();
  EXPECT_TRUE(table.FindChain("postrouting")->rules.empty());
  EXPECT_TRUE(table.FindChain("forward")->rules.empty());
  EXPECT_EQ(table.FindChain("prerouting")->rules.size(), 1u);  // lan0 -> mark_lan
}

}  // namespace
}  // namespace uplinkd::policy
