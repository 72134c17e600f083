// [[wan]] and [policy] through the whole config loader: defaults, cross-references, located issues.
#include <gtest/gtest.h>

#include "daemon/config/config_loader.h"

namespace uplinkd::config {
namespace {

std::vector<std::string> Issues(const ConfigLoader::Outcome& outcome) {
  std::vector<std::string> texts;
  for (const auto& issue : outcome.issues) texts.push_back(issue.ToString());
  return texts;
}

constexpr const char* kModems =
    "[[modem]]\nname = \"modem1\"\nmatch = { imei = \"1\" }\n[modem.apn]\napn = \"internet\"\n"
    "[[modem]]\nname = \"modem2\"\nmatch = { imei = \"2\" }\n[modem.apn]\napn = \"internet\"\n";  // 10 lines

TEST(WanSectionTest, ReadsWansWithDerivedTablesAndMarks) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\npriority = 1\nmasquerade = true\n"
          "[[wan]]\nname = \"cell2\"\nkind = \"modem\"\nmodem = \"modem2\"\npriority = 2\nweight = 3\n"
          "[[wan]]\nname = \"wired\"\nkind = \"ethernet\"\ninterface = \"eth1\"\ngateway = \"100.64.3.1\"\n"
          "table = 300\nfwmark = 0x4000\n",
      "wans.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  const auto& wans = outcome.config.policy.wans;
  ASSERT_EQ(wans.size(), 3u);
  EXPECT_EQ(wans[0].name, "cell1");
  EXPECT_EQ(wans[0].kind, policy::WanKind::kModem);
  EXPECT_EQ(wans[0].modem, "modem1");
  EXPECT_EQ(wans[0].table, 101u);
  EXPECT_EQ(wans[0].mark, 0x100u);
  EXPECT_TRUE(wans[0].masquerade);
  EXPECT_EQ(wans[1].table, 102u);
  EXPECT_EQ(wans[1].mark, 0x200u);
  EXPECT_EQ(wans[1].weight, 3u);
  EXPECT_FALSE(wans[1].masquerade);
  EXPECT_EQ(wans[2].kind, policy::WanKind::kEthernet);
  EXPECT_EQ(wans[2].interface, "eth1");
  EXPECT_EQ(wans[2].gateway_v4->ToString(), "100.64.3.1");
  EXPECT_EQ(wans[2].table, 300u);
  EXPECT_EQ(wans[2].mark, 0x4000u);
}

TEST(WanSectionTest, WanNamingUnknownModemIsLocated) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) + "[[wan]]\nname = \"cell3\"\nkind = \"modem\"\nmodem = \"modem3\"\n", "x.toml");
  EXPECT_EQ(Issues(outcome), std::vector<std::string>{"x.toml:14: wan[0].modem: names no [[modem]] (\"modem3\")"});
}

TEST(WanSectionTest, DuplicatesAndBadValuesAreLocated) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"a\"\nkind = \"modem\"\nmodem = \"modem1\"\nfwmark = 0x300\n"   // 11-15
          "[[wan]]\nname = \"a\"\nkind = \"modem\"\nmodem = \"modem1\"\ntable = 254\n"       // 16-20
          "[[wan]]\nname = \"c\"\nkind = \"ethernet\"\ninterface = \"eth1\"\nfwmark = 0x3\n"  // 21-25
          "[[wan]]\nname = \"d\"\nkind = \"ethernet\"\ninterface = \"eth2\"\ngateway = \"2001:db8::1\"\n"
          "fwmark = 0x300\n",  // 26-31
      "d.toml");
  auto issues = Issues(outcome);
  std::vector<std::string> expected = {
      "d.toml:20: wan[1].table: must not be one of the kernel's own tables (253 default, 254 main, 255 local)",
      "d.toml:17: wan[1].name: \"a\" is already used by wan[0]",
      "d.toml:19: wan[1].modem: modem \"modem1\" is already the Wan a",
      "d.toml:21: wan[2].gateway: is required for kind = \"ethernet\" (or gateway6)",
      "d.toml:25: wan[2].fwmark: must lie inside 0xff00 (0x100, 0x200, ...): the other bits carry the class",
      "d.toml:30: wan[3].gateway: must be an IPv4 address",
      "d.toml:31: wan[3].fwmark: mark 768 is already the Wan a",
  };
  EXPECT_EQ(issues, expected);
}

TEST(WanSectionTest, ReadsPolicyClassesAndRules) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\n"
          "[[wan]]\nname = \"cell2\"\nkind = \"modem\"\nmodem = \"modem2\"\n"
          "[policy]\nlan_interfaces = [\"lan0\"]\ndefault_class = \"bulk\"\nhold_time_ms = 2000\n"
          "alert = { mode = \"failover\" }\n"
          "management = { mode = \"failover\", pin = \"cell2\" }\n"
          "telemetry = { mode = \"lowest-latency\" }\n"
          "bulk = { mode = \"balance\" }\n"
          "[[policy.rule]]\nclass = \"alert\"\ndscp = 46\n"
          "[[policy.rule]]\nclass = \"management\"\nprotocol = \"tcp\"\ndestination_port = 22\n"
          "[[policy.rule]]\nclass = \"telemetry\"\nprotocol = \"udp\"\ndestination_port_range = \"5000-5010\"\n"
          "destination = \"203.0.113.0/24\"\nuid = 1000\nsocket_mark = 7\n",
      "p.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  const auto& policy = outcome.config.policy;
  EXPECT_EQ(policy.lan_interfaces, std::vector<std::string>{"lan0"});
  EXPECT_EQ(policy.default_class, policy::TrafficClass::kBulk);
  EXPECT_EQ(policy.hold_time, std::chrono::milliseconds(2000));
  EXPECT_EQ(policy.classes[1].pinned_wan, "cell2");
  EXPECT_EQ(policy.classes[2].mode, policy::PathMode::kLowestLatency);
  EXPECT_EQ(policy.classes[3].mode, policy::PathMode::kBalance);
  ASSERT_EQ(policy.rules.size(), 3u);
  EXPECT_EQ(policy.rules[0].dscp, 46);
  EXPECT_EQ(policy.rules[1].destination_port, (policy::PortRange{22, 22}));
  EXPECT_EQ(policy.rules[2].destination_port, (policy::PortRange{5000, 5010}));
  EXPECT_EQ(policy.rules[2].destination->ToString(), "203.0.113.0/24");
  EXPECT_EQ(policy.rules[2].uid, 1000u);
  EXPECT_EQ(policy.rules[2].socket_mark, 7u);
}

TEST(WanSectionTest, PolicyCrossReferencesAreLocated) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\n"      // 11-14
          "[policy]\nmanagement = { pin = \"nowhere\" }\n"                          // 15-16
          "[[policy.rule]]\nclass = \"urgent\"\ndestination_port = 22\n",           // 17-19
      "r.toml");
  auto issues = Issues(outcome);
  std::vector<std::string> expected = {
      "r.toml:18: policy.rule[0].class: must be one of alert, management, telemetry, bulk, not \"urgent\"",
      "r.toml:17: policy.rule[0].protocol: is required with ports (\"tcp\" or \"udp\")",
      "r.toml:16: policy.management.pin: names no [[wan]] (\"nowhere\")",
  };
  EXPECT_EQ(issues, expected);
}

// The lab's default run and the failover benchmark do failover with these files.
TEST(WanSectionTest, LabAndBenchmarkConfigsDefineBothModemWans) {
  for (const char* file : {"tests/lab/uplinkd-lab.toml", "tests/bench/failover/uplinkd-bench.toml"}) {
    auto outcome = ConfigLoader::LoadFile(std::string(UPLINKD_SOURCE_DIR) + "/" + file);
    ASSERT_TRUE(outcome.ok()) << file << ": " << Issues(outcome)[0];
    const auto& policy = outcome.config.policy;
    ASSERT_EQ(policy.wans.size(), 2u) << file;
    EXPECT_EQ(policy.wans[0].modem, "modem1");
    EXPECT_EQ(policy.wans[1].modem, "modem2");
    EXPECT_TRUE(policy.wans[0].masquerade);
    EXPECT_FALSE(policy.wans[0].health.targets.empty());
    EXPECT_EQ(policy.lan_interfaces, std::vector<std::string>{"lan0"});
  }
}

TEST(WanSectionTest, ShapingDefaultsDeriveFromUpload) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\n"
          "[wan.shaping]\nupload_kbit = 2000\n"
          "[[wan]]\nname = \"cell2\"\nkind = \"modem\"\nmodem = \"modem2\"\n",
      "s.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  const auto& policy = outcome.config.policy;
  EXPECT_TRUE(policy.lanes);
  ASSERT_TRUE(policy.wans[0].shaping);
  const auto& shaping = *policy.wans[0].shaping;
  EXPECT_EQ(shaping.upload_kbit, 2000u);
  EXPECT_EQ(shaping.min_kbit, 500u);  // 25% of upload
  EXPECT_TRUE(shaping.adaptive);
  EXPECT_EQ(shaping.delay_threshold, std::chrono::milliseconds(30));
  EXPECT_EQ(shaping.degraded_bulk_percent, 10u);
  EXPECT_EQ(shaping.degraded_telemetry_percent, 50u);
  EXPECT_FALSE(policy.wans[1].shaping);  // no [wan.shaping]: no lanes on that Wan
  EXPECT_TRUE(policy.local_pins.empty());  // never from the file
  EXPECT_EQ(policy.alert_dscp, (std::vector<uint8_t>{46, 40}));  // EF and CS5
}

TEST(WanSectionTest, AlertDscpIsAListOfDscpValues) {
  const std::string wan = std::string(kModems) + "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\n";
  auto set = ConfigLoader::LoadString(wan + "[policy]\nalert_dscp = [46, 34]\n", "d.toml");
  ASSERT_TRUE(set.ok()) << Issues(set)[0];
  EXPECT_EQ(set.config.policy.alert_dscp, (std::vector<uint8_t>{46, 34}));
  auto none = ConfigLoader::LoadString(wan + "[policy]\nalert_dscp = []\n", "d.toml");
  ASSERT_TRUE(none.ok()) << Issues(none)[0];
  EXPECT_TRUE(none.config.policy.alert_dscp.empty());
  auto bad = ConfigLoader::LoadString(wan + "[policy]\nalert_dscp = [46, 64]\n", "d.toml");
  EXPECT_EQ(Issues(bad), (std::vector<std::string>{"d.toml:16: policy.alert_dscp: must be a list of integers 0..63"}));
}

TEST(WanSectionTest, ShapingKeysAndLanesSwitchAreRead) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"cell1\"\nkind = \"modem\"\nmodem = \"modem1\"\n"
          "[wan.shaping]\nupload_kbit = 1000\nmin_kbit = 300\nadaptive = false\ndelay_threshold_ms = 45\n"
          "degraded_bulk_percent = 5\ndegraded_telemetry_percent = 70\n"
          "[[wan]]\nname = \"cell2\"\nkind = \"modem\"\nmodem = \"modem2\"\n"
          "[wan.shaping]\n"  // present but empty: no upload, no lanes
          "[policy]\nlanes = false\n",
      "k.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  const auto& policy = outcome.config.policy;
  EXPECT_FALSE(policy.lanes);
  policy::WanShaping expected;
  expected.upload_kbit = 1000;
  expected.min_kbit = 300;
  expected.adaptive = false;
  expected.delay_threshold = std::chrono::milliseconds(45);
  expected.degraded_bulk_percent = 5;
  expected.degraded_telemetry_percent = 70;
  EXPECT_EQ(policy.wans[0].shaping, expected);
  EXPECT_FALSE(policy.wans[1].shaping);
}

TEST(WanSectionTest, BadShapingIsLocated) {
  auto outcome = ConfigLoader::LoadString(
      std::string(kModems) +
          "[[wan]]\nname = \"a\"\nkind = \"modem\"\nmodem = \"modem1\"\n"             // 11-14
          "[wan.shaping]\nupload_kbit = 1000\nmin_kbit = 2000\nspeed = 3\n"                // 15-18
          "[[wan]]\nname = \"b\"\nkind = \"modem\"\nmodem = \"modem2\"\n"             // 19-22
          "[wan.shaping]\nupload_kbit = 0\ndegraded_bulk_percent = 0\nadaptive = true\n"  // 23-26
          "[policy]\nlanes = \"yes\"\n"                                                    // 27-28
      "[[wan]]\nname = \"c\"\nkind = \"ethernet\"\ninterface = \"eth1\"\ngateway = \"100.64.3.1\"\n"  // 29-33
      "[wan.shaping]\nmin_kbit = 100\n",                                                 // 34-35
      "b.toml");
  auto issues = Issues(outcome);
  std::vector<std::string> expected = {
      "b.toml:18: unknown key wan[0].shaping.speed",
      "b.toml:17: wan[0].shaping.min_kbit: must not exceed upload_kbit (1000)",
      "b.toml:24: wan[1].shaping.upload_kbit: must be between 8 and 10000000, not 0",
      "b.toml:25: wan[1].shaping.degraded_bulk_percent: must be between 1 and 100, not 0",
      "b.toml:35: wan[2].shaping.min_kbit: needs upload_kbit (without it the Wan has no lanes)",
      "b.toml:28: policy.lanes: must be true or false",
  };
  EXPECT_EQ(issues, expected);
}

TEST(WanSectionTest, NoWanNoPolicy) {
  auto outcome = ConfigLoader::LoadString(kModems, "m.toml");
  ASSERT_TRUE(outcome.ok());
  EXPECT_FALSE(outcome.config.policy.enabled());
}

}  // namespace
}  // namespace uplinkd::config
