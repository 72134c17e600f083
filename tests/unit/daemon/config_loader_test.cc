#include "daemon/config/config_loader.h"

#include <gtest/gtest.h>

namespace uplinkd::config {
namespace {

std::vector<std::string> Issues(const ConfigLoader::Outcome& outcome) {
  std::vector<std::string> texts;
  for (const auto& issue : outcome.issues) texts.push_back(issue.ToString());
  return texts;
}

TEST(ConfigLoaderTest, EmptyFileGivesDefaults) {
  auto outcome = ConfigLoader::LoadString("", "empty.toml");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config.bus, "system");
  EXPECT_EQ(outcome.config.state_dir, "/var/lib/uplinkd");
  EXPECT_EQ(outcome.config.log_level, LogLevel::kInfo);
}

TEST(ConfigLoaderTest, ReadsDaemonAndDbusSections) {
  auto outcome = ConfigLoader::LoadString(
      "[daemon]\nlog_level = \"debug\"\nstate_dir = \"/srv/u\"\nruntime_dir = \"/run/u\"\n"
      "[dbus]\nbus = \"unix:path=/run/lab/bus.sock\"\n",
      "good.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  EXPECT_EQ(outcome.config.log_level, LogLevel::kDebug);
  EXPECT_EQ(outcome.config.state_dir, "/srv/u");
  EXPECT_EQ(outcome.config.runtime_dir, "/run/u");
  EXPECT_EQ(outcome.config.bus, "unix:path=/run/lab/bus.sock");
}

TEST(ConfigLoaderTest, TheRelaysBrokerPortIsPinnedToEachWanWhenPolicyAndAlertsAreOn) {
  const std::string wan = "[[wan]]\nname = \"eth1\"\nkind = \"ethernet\"\ninterface = \"eth1\"\ngateway = \"192.0.2.1\"\n";
  const std::string alerts = "[alerts]\nbroker_host = \"203.0.113.10\"\nbroker_port = 1884\n";
  auto both = ConfigLoader::LoadString(wan + alerts, "both.toml");
  ASSERT_TRUE(both.ok()) << Issues(both)[0];
  ASSERT_EQ(both.config.policy.local_pins.size(), 1u);
  EXPECT_EQ(both.config.policy.local_pins[0].destination_port, 1884);
  EXPECT_EQ(both.config.policy.local_pins[0].traffic_class, policy::TrafficClass::kAlert);
  auto no_alerts = ConfigLoader::LoadString(wan, "wan.toml");
  ASSERT_TRUE(no_alerts.ok()) << Issues(no_alerts)[0];
  EXPECT_TRUE(no_alerts.config.policy.local_pins.empty());
  // The same file loaded twice compares equal (a reload sees no [policy] change).
  EXPECT_EQ(ConfigLoader::LoadString(wan + alerts, "both.toml").config.policy, both.config.policy);
}

TEST(ConfigLoaderTest, UnknownKeysAreRejectedWithFileAndLine) {
  auto outcome = ConfigLoader::LoadString("[daemon]\nlog_level = \"info\"\nlog_levle = \"debug\"\n[wibble]\n", "typo.toml");
  EXPECT_EQ(Issues(outcome), (std::vector<std::string>{"typo.toml:3: unknown key daemon.log_levle",
                                                       "typo.toml:4: unknown key wibble"}));
}

TEST(ConfigLoaderTest, BadValuesAreRejectedWithReasons) {
  auto outcome = ConfigLoader::LoadString(
      "[daemon]\nlog_level = \"loud\"\nstate_dir = \"relative/path\"\nruntime_dir = 5\n[dbus]\nbus = \"session\"\n",
      "bad.toml");
  auto issues = Issues(outcome);
  ASSERT_EQ(issues.size(), 4u);
  EXPECT_EQ(issues[0], "bad.toml:2: daemon.log_level: must be one of error, warning, notice, info, debug, not \"loud\"");
  EXPECT_EQ(issues[1], "bad.toml:3: daemon.state_dir: must be an absolute path");
  EXPECT_EQ(issues[2], "bad.toml:4: daemon.runtime_dir: must be a string");
  EXPECT_EQ(issues[3], "bad.toml:6: dbus.bus: must be \"system\" or a D-Bus address such as unix:path=/run/bus.sock");
}

TEST(ConfigLoaderTest, SyntaxErrorsAreLocated) {
  auto outcome = ConfigLoader::LoadString("[daemon]\nlog_level = \"info\n", "broken.toml");
  ASSERT_EQ(outcome.issues.size(), 1u);
  EXPECT_EQ(outcome.issues[0].line, 2);
  EXPECT_NE(outcome.issues[0].message.find("syntax"), std::string::npos);
}

TEST(ConfigLoaderTest, MissingFileIsAnIssueNotACrash) {
  auto outcome = ConfigLoader::LoadFile("/nonexistent/uplinkd.toml");
  EXPECT_EQ(Issues(outcome),
            std::vector<std::string>{"/nonexistent/uplinkd.toml: cannot be read: No such file or directory"});
}

// Bad input gets a clear error and nothing else: toml11 parses arrays and inline tables
// recursively, so these once crashed `uplinkd --check-config` with a stack overflow.
TEST(ConfigLoaderBoundsTest, DeeplyNestedArraysAreRefusedNotACrash) {
  std::string deep = "[daemon]\nlog_level = \"info\"\na = " + std::string(100000, '[');
  auto outcome = ConfigLoader::LoadString(deep, "deep.toml");
  EXPECT_EQ(Issues(outcome), std::vector<std::string>{"deep.toml:3: nesting: more than 32 [ and { nested"});
  std::string closed = "a = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  EXPECT_EQ(Issues(ConfigLoader::LoadString(closed, "closed.toml")),
            std::vector<std::string>{"closed.toml:1: nesting: more than 32 [ and { nested"});
  std::string tables;
  for (int i = 0; i < 50000; ++i) tables += "{a=";
  EXPECT_EQ(Issues(ConfigLoader::LoadString("x = " + tables, "inline.toml")),
            std::vector<std::string>{"inline.toml:1: nesting: more than 32 [ and { nested"});
  // A multi-line array: the line is the one where the limit is crossed.
  std::string lines = "x = [\n";
  for (int i = 0; i < 40; ++i) lines += "[\n";
  EXPECT_EQ(Issues(ConfigLoader::LoadString(lines, "lines.toml")),
            std::vector<std::string>{"lines.toml:33: nesting: more than 32 [ and { nested"});
}

TEST(ConfigLoaderBoundsTest, LongDottedKeysAreRefused) {
  std::string key = "a";
  for (int i = 0; i < 200000; ++i) key += ".a";
  EXPECT_EQ(Issues(ConfigLoader::LoadString(key + " = 1\n", "dotted.toml")),
            std::vector<std::string>{"dotted.toml:1: nesting: more than 32 dotted key segments"});
  EXPECT_EQ(Issues(ConfigLoader::LoadString("\n[" + key + "]\n", "header.toml")),
            std::vector<std::string>{"header.toml:2: nesting: more than 32 dotted key segments"});
  // Dots in values (numbers, addresses) are not key segments.
  std::string values = "[daemon]\nlog_level = \"info\"\n[[wan]]\nname = \"eth1\"\nkind = \"ethernet\"\n"
                       "interface = \"eth1\"\ngateway = \"192.0.2.1\"\n[policy]\nlatency_margin = 0.5\n";
  auto outcome = ConfigLoader::LoadString(values, "values.toml");
  EXPECT_TRUE(outcome.ok()) << Issues(outcome)[0];
}

TEST(ConfigLoaderBoundsTest, BracketsInStringsAndCommentsAreNotNesting) {
  const std::string many(1000, '[');
  std::string text = "# " + many + "\n"
                     "[daemon] # " + std::string(1000, '{') + "\n"
                     "state_dir = \"/" + many + "\\\"" + many + "\"\n"
                     "runtime_dir = '/" + many + "'\n"
                     "log_level = \"\"\"info\"\"\"\n"
                     "[dbus]\n"
                     "bus = \"\"\"unix:path=/" + many + "\\\n" + many + "\"\"\"\n";
  auto outcome = ConfigLoader::LoadString(text, "strings.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  EXPECT_EQ(outcome.config.state_dir, "/" + many + "\"" + many);
  EXPECT_EQ(outcome.config.runtime_dir, "/" + many);
  EXPECT_EQ(outcome.config.bus, "unix:path=/" + many + many);
  // Multi-line literal strings, quotes inside multi-line strings, then a real nesting error whose
  // line counts the newlines inside those strings.
  std::string after = "[daemon]\nstate_dir = '''/a\n[[[\n'''\nruntime_dir = \"\"\"/b\"\"[\n\"\"\"\"\"\nx = " +
                      std::string(40, '[') + "\n";
  EXPECT_EQ(Issues(ConfigLoader::LoadString(after, "after.toml")),
            std::vector<std::string>{"after.toml:7: nesting: more than 32 [ and { nested"});
}

TEST(ConfigLoaderBoundsTest, OversizedFilesAreRefused) {
  std::string big = "# " + std::string(1024 * 1024, 'x') + "\n";
  EXPECT_EQ(Issues(ConfigLoader::LoadString(big, "big.toml")),
            std::vector<std::string>{"big.toml: is larger than 1048576 bytes"});
  // A file that never ends is read only up to the bound.
  EXPECT_EQ(Issues(ConfigLoader::LoadFile("/dev/zero")),
            std::vector<std::string>{"/dev/zero: is larger than 1048576 bytes"});
  // Exactly at the bound is fine.
  std::string limit = "#" + std::string(1024 * 1024 - 2, 'x') + "\n";
  ASSERT_EQ(limit.size(), 1024u * 1024u);
  EXPECT_TRUE(ConfigLoader::LoadString(limit, "limit.toml").ok());
}

TEST(ConfigLoaderBoundsTest, InvalidUtf8IsRefusedBeforeParsing) {
  // toml11 read past the end of this key (ASan: heap-buffer-overflow; found by config_fuzzer).
  std::string key = "'1\xe0" + std::string(46, '\xf0') + std::string(90, '\xfe') + " '' \"info\"\n";
  EXPECT_EQ(Issues(ConfigLoader::LoadString("[daemon]\n" + key, "utf8.toml")),
            std::vector<std::string>{"utf8.toml:2: is not valid UTF-8 (byte 11)"});
  // Valid UTF-8 anywhere is fine.
  EXPECT_TRUE(ConfigLoader::LoadString("# Zürich 東京\n[daemon]\nstate_dir = \"/srv/zürich\"\n", "ok.toml").ok());
}

TEST(ConfigLoaderBoundsTest, NonFiniteNumbersAreRefused) {
  for (const char* number : {"nan", "+nan", "-nan", "inf", "+inf", "-inf"}) {
    std::string text = std::string("[[modem]]\nname = \"modem1\"\nmatch = { imei = \"1\" }\napn = { apn = \"internet\" }\n"
                                   "[modem.recovery]\nbackoff_jitter = ") + number + "\n";
    auto issues = Issues(ConfigLoader::LoadString(text, "nan.toml"));
    std::string expected = std::string("nan.toml:6: modem[0].recovery.backoff_jitter: must be a finite number, not ") +
                           (std::string(number).find("nan") != std::string::npos ? "nan" : "inf");
    EXPECT_EQ(issues, std::vector<std::string>{expected}) << number;
  }
  auto margin = ConfigLoader::LoadString("[[wan]]\nname = \"eth1\"\nkind = \"ethernet\"\ninterface = \"eth1\"\n"
                                         "gateway = \"192.0.2.1\"\n[policy]\nlatency_margin = nan\n", "margin.toml");
  EXPECT_EQ(Issues(margin), std::vector<std::string>{"margin.toml:7: policy.latency_margin: must be a finite number, not nan"});
}

TEST(ConfigLoaderTest, WrongTypeForSectionIsRejected) {
  auto outcome = ConfigLoader::LoadString("daemon = 3\n", "shape.toml");
  EXPECT_EQ(Issues(outcome), std::vector<std::string>{"shape.toml:1: daemon: must be a table"});
}

}  // namespace
}  // namespace uplinkd::config

namespace uplinkd::config {
namespace {

constexpr const char* kTwoModems = R"(
[[modem]]
name = "modem1"
match = { imei = "860000000000011" }
pin_file = "/etc/uplinkd/modem1.pin"
[modem.apn]
apn = "internet"
ip_type = "ipv4v6"
allowed_auth = ["pap", "chap"]

[[modem]]
name = "modem2"
match = { iccid = "8901000000000000022" }
signal_refresh_s = 5
[modem.apn]
apn = "private.corp"
expected_ipv4 = "100.64.2.2"
private_prefixes = ["192.0.2.7/24"]
dns = ["192.0.2.53"]
allow_roaming = true
[modem.recovery]
backoff_initial_ms = 500
attempts_before_escalation = 3
)";

TEST(ConfigLoaderModemTest, ReadsModemsWithApnAndRecovery) {
  auto outcome = ConfigLoader::LoadString(kTwoModems, "modems.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  ASSERT_EQ(outcome.config.modems.size(), 2u);
  const auto& first = outcome.config.modems[0];
  EXPECT_EQ(first.name, "modem1");
  EXPECT_EQ(first.match.kind, modem::ModemMatchKind::kImei);
  EXPECT_EQ(first.pin_file, "/etc/uplinkd/modem1.pin");
  EXPECT_EQ(first.apn.ip_type, modem::BearerIpType::kIpv4v6);
  EXPECT_EQ(first.apn.allowed_auth, (std::vector{modem::AuthMethod::kPap, modem::AuthMethod::kChap}));
  const auto& second = outcome.config.modems[1];
  EXPECT_EQ(second.match.kind, modem::ModemMatchKind::kIccid);
  EXPECT_EQ(second.apn.expected_ipv4->ToString(), "100.64.2.2");
  EXPECT_EQ(second.apn.private_prefixes.at(0).ToString(), "192.0.2.0/24");
  EXPECT_TRUE(second.apn.allow_roaming);
  EXPECT_EQ(second.signal_refresh_rate, std::chrono::seconds(5));
  EXPECT_EQ(second.recovery.backoff_initial, std::chrono::milliseconds(500));
  EXPECT_EQ(second.recovery.attempts_before_escalation, 3u);
}

TEST(ConfigLoaderModemTest, RejectsBadModemSections) {
  auto outcome = ConfigLoader::LoadString(R"([[modem]]
name = "Modem One"
match = { imei = "1", iccid = "2" }
pin_file = "relative.pin"
[modem.apn]
ip_type = "ipv5"
expected_ipv4 = "2001:db8::1"
allowed_auth = ["telepathy"]
[modem.recovery]
backoff_initial_ms = 5000
backoff_max_ms = 1000
)", "badmodem.toml");
  EXPECT_EQ(Issues(outcome), (std::vector<std::string>{
      "badmodem.toml:2: modem[0].name: must be 1-15 characters of a-z, 0-9, _ and -, starting with a letter",
      "badmodem.toml:3: modem[0].match: must name exactly one of imei, device, iccid",
      "badmodem.toml:4: modem[0].pin_file: must be an absolute path",
      "badmodem.toml:5: modem[0].apn.apn: is required",
      "badmodem.toml:6: modem[0].apn.ip_type: must be one of ipv4, ipv6, ipv4v6, not \"ipv5\"",
      "badmodem.toml:8: modem[0].apn.allowed_auth: unknown method \"telepathy\" (none, pap, chap, mschap, mschapv2, eap)",
      "badmodem.toml:7: modem[0].apn.expected_ipv4: must be an IPv4 address",
      "badmodem.toml:11: modem[0].recovery.backoff_max_ms: must not be smaller than backoff_initial_ms",
  }));
}

TEST(ConfigLoaderModemTest, RejectsDuplicateNamesAndIdentities) {
  auto outcome = ConfigLoader::LoadString(R"([[modem]]
name = "modem1"
match = { imei = "1" }
apn = { apn = "internet" }
[[modem]]
name = "modem1"
match = { imei = "1" }
apn = { apn = "internet" }
)", "dup.toml");
  auto issues = Issues(outcome);
  ASSERT_EQ(issues.size(), 2u);
  EXPECT_EQ(issues[0], "dup.toml:6: modem[1].name: \"modem1\" is already used by modem[0]");
  EXPECT_EQ(issues[1], "dup.toml:7: modem[1].match: the same modem is already configured as modem1");
}

}  // namespace
}  // namespace uplinkd::config

namespace uplinkd::config {
namespace {

// The shipped example and the lab's configuration must stay valid as the schema changes.
TEST(ConfigLoaderFilesTest, ShippedConfigurationsAreValid) {
  for (const char* file : {"daemon/uplinkd.example.toml", "tests/lab/uplinkd-lab.toml"}) {
    auto outcome = ConfigLoader::LoadFile(std::string(UPLINKD_SOURCE_DIR) + "/" + file);
    EXPECT_TRUE(outcome.ok()) << file << ": " << (outcome.ok() ? "" : outcome.issues[0].ToString());
  }
}

}  // namespace
}  // namespace uplinkd::config

namespace uplinkd::config {
namespace {

TEST(ConfigLoaderInferenceTest, ReadsAndChecksTheInferenceSection) {
  auto outcome = ConfigLoader::LoadString(
      "[inference]\nenabled = true\nworker = \"/opt/u/uplinkd-infer\"\nconfig = \"/etc/u/i.toml\"\nuser = \"sensors\"\n",
      "inference.toml");
  ASSERT_TRUE(outcome.ok()) << Issues(outcome)[0];
  EXPECT_TRUE(outcome.config.inference.enabled);
  EXPECT_EQ(outcome.config.inference.worker, "/opt/u/uplinkd-infer");
  EXPECT_EQ(outcome.config.inference.config, "/etc/u/i.toml");
  EXPECT_EQ(outcome.config.inference.user, "sensors");
  EXPECT_EQ(outcome.config.inference.group, "uplinkd-infer");
  auto bad = ConfigLoader::LoadString("[inference]\nenabled = \"yes\"\nworker = \"uplinkd-infer\"\n", "bad.toml");
  EXPECT_EQ(Issues(bad), (std::vector<std::string>{"bad.toml:2: inference.enabled: must be true or false",
                                                   "bad.toml:3: inference.worker: must be an absolute path"}));
}

}  // namespace
}  // namespace uplinkd::config
