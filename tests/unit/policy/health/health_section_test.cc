#include "policy/health/health_section.h"

#include <gtest/gtest.h>

#include <sstream>

namespace uplinkd::config {
namespace {

using policy::HealthSettings;
using policy::ProbeKind;
using std::chrono::milliseconds;

struct Parsed {
  HealthSettings settings;
  std::vector<ConfigIssue> issues;
  std::string Issues() const {
    std::string text;
    for (const auto& issue : issues) text += issue.ToString() + "\n";
    return text;
  }
};

Parsed Parse(const std::string& text) {
  std::istringstream stream(text);
  toml::value root = toml::parse(stream, "test.toml");
  Parsed parsed;
  TomlSection top(root, "", "test.toml", parsed.issues);
  auto health = top.Table("health", true);
  if (health) ReadHealthSection(*health, parsed.settings);
  return parsed;
}

TEST(HealthSectionTest, ReadsEveryKey) {
  auto parsed = Parse(R"(
[health]
targets = [
  { kind = "icmp", address = "203.0.113.10" },
  { kind = "udp-echo", address = "203.0.113.11", port = 7 },
  { kind = "dns", address = "2001:db8:ff::10", name = "probe.example." },
  { kind = "http", address = "203.0.113.10", port = 8080, host = "probe.example", path = "/health" },
  { kind = "https", address = "203.0.113.10", host = "probe.example", ca_file = "/etc/uplinkd/probe-ca.pem" },
]
reliability = 2
steady_interval_ms = 10000
fast_interval_ms = 150
recovery_interval_ms = 1500
timeout_min_ms = 120
timeout_ms = 900
window = 30
down_rounds = 3
up_rounds = 4
min_hold_ms = 8000
hold_max_ms = 60000
flap_window_s = 300
degraded_loss = 0.2
degraded_rtt_factor = 2.5
degraded_rtt_margin_ms = 40
degraded_signal_percent = 30
suspect_signal_percent = 10
max_probe_kb_per_hour = 900
)");
  ASSERT_TRUE(parsed.issues.empty()) << parsed.Issues();
  const auto& s = parsed.settings;
  ASSERT_EQ(s.targets.size(), 5u);
  EXPECT_EQ(s.targets[0].kind, ProbeKind::kIcmp);
  EXPECT_EQ(s.targets[0].address.ToString(), "203.0.113.10");
  EXPECT_EQ(s.targets[1].kind, ProbeKind::kUdpEcho);
  EXPECT_EQ(s.targets[1].port, 7);
  EXPECT_EQ(s.targets[2].kind, ProbeKind::kDns);
  EXPECT_EQ(s.targets[2].dns_name, "probe.example.");
  EXPECT_EQ(s.targets[3].http_host, "probe.example");
  EXPECT_EQ(s.targets[3].http_path, "/health");
  EXPECT_EQ(s.targets[3].port, 8080);
  EXPECT_EQ(s.targets[4].kind, ProbeKind::kHttps);
  EXPECT_EQ(s.targets[4].tls_ca_file, "/etc/uplinkd/probe-ca.pem");
  EXPECT_EQ(s.reliability, 2u);
  EXPECT_EQ(s.steady_interval, milliseconds(10000));
  EXPECT_EQ(s.fast_interval, milliseconds(150));
  EXPECT_EQ(s.recovery_interval, milliseconds(1500));
  EXPECT_EQ(s.timeout_min, milliseconds(120));
  EXPECT_EQ(s.timeout, milliseconds(900));
  EXPECT_EQ(s.window, 30u);
  EXPECT_EQ(s.down_rounds, 3u);
  EXPECT_EQ(s.up_rounds, 4u);
  EXPECT_EQ(s.min_hold, milliseconds(8000));
  EXPECT_EQ(s.hold_max, milliseconds(60000));
  EXPECT_EQ(s.flap_window, milliseconds(300000));
  EXPECT_DOUBLE_EQ(s.degraded_loss, 0.2);
  EXPECT_DOUBLE_EQ(s.degraded_rtt_factor, 2.5);
  EXPECT_EQ(s.degraded_rtt_margin, milliseconds(40));
  EXPECT_EQ(s.degraded_signal_percent, 30u);
  EXPECT_EQ(s.suspect_signal_percent, 10u);
  EXPECT_EQ(s.max_probe_bytes_per_hour, 900u * 1024);
}

TEST(HealthSectionTest, TargetsAsTableArrayAndDefaults) {
  auto parsed = Parse(R"(
[[health.targets]]
kind = "icmp"
address = "203.0.113.10"
)");
  ASSERT_TRUE(parsed.issues.empty()) << parsed.Issues();
  HealthSettings defaults;
  defaults.targets = parsed.settings.targets;
  EXPECT_EQ(parsed.settings, defaults);
}

TEST(HealthSectionTest, RejectsBadTargetsWithTheirLines) {
  auto parsed = Parse(R"(
[health]
targets = [
  { kind = "ping", address = "203.0.113.10" },
  { kind = "icmp", address = "203.0.113.300" },
  { kind = "icmp", address = "203.0.113.10", port = 7 },
  { kind = "dns", address = "203.0.113.10" },
  { kind = "dns", address = "203.0.113.10", name = "bad..name" },
  { kind = "tcp", address = "203.0.113.10", path = "/x" },
  { kind = "http", address = "203.0.113.10", path = "no-slash" },
  { kind = "udp-echo", address = "203.0.113.10", colour = "red" },
  { kind = "http", address = "203.0.113.10", ca_file = "/etc/ca.pem" },
]
steady_interval_ms = 10000
)");
  std::string issues = parsed.Issues();
  EXPECT_NE(issues.find("test.toml:4: health.targets[0].kind: must be one of"), std::string::npos) << issues;
  EXPECT_NE(issues.find("test.toml:5: health.targets[1].address: \"203.0.113.300\" is not an IP address"),
            std::string::npos) << issues;
  EXPECT_NE(issues.find("health.targets[2].port: icmp probes have no port"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.targets[3].name: is required"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.targets[4].name: \"bad..name\" is not a DNS name"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.targets[5].path: only http and https probes have a path"), std::string::npos)
      << issues;
  EXPECT_NE(issues.find("health.targets[6].path: must start with /"), std::string::npos) << issues;
  EXPECT_NE(issues.find("unknown key health.targets[7].colour"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.targets[8].ca_file: only https probes verify certificates"), std::string::npos)
      << issues;
  EXPECT_EQ(parsed.issues.size(), 9u) << issues;
}

TEST(HealthSectionTest, RejectsInconsistentSettings) {
  auto parsed = Parse(R"(
[health]
targets = [{ kind = "icmp", address = "203.0.113.10" }]
reliability = 2
fast_interval_ms = 600
timeout_min_ms = 2000
min_hold_ms = 10000
hold_max_ms = 5000
suspect_signal_percent = 50
steady_interval_ms = 500
jitter = 3
)");
  std::string issues = parsed.Issues();
  EXPECT_NE(issues.find("health.reliability: asks for 2 answering targets of 1"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.fast_interval_ms: must not be longer than steady_interval_ms"), std::string::npos)
      << issues;
  EXPECT_NE(issues.find("health.timeout_min_ms: must not be longer than timeout_ms"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.hold_max_ms: must not be shorter than min_hold_ms"), std::string::npos) << issues;
  EXPECT_NE(issues.find("health.suspect_signal_percent: must not be above degraded_signal_percent"),
            std::string::npos) << issues;
  EXPECT_NE(issues.find("unknown key health.jitter"), std::string::npos) << issues;
  EXPECT_EQ(parsed.issues.size(), 6u) << issues;
}

TEST(HealthSectionTest, RequiresTargets) {
  auto missing = Parse("[health]\nreliability = 1\n");
  EXPECT_NE(missing.Issues().find("health.targets: is required"), std::string::npos) << missing.Issues();
  auto empty = Parse("[health]\ntargets = []\n");
  EXPECT_NE(empty.Issues().find("health.targets: must list at least one target"), std::string::npos)
      << empty.Issues();
}

TEST(HealthSectionTest, RejectsSteadyProbingOverTheByteCap) {
  // One TCP connect (212 bytes) every 450 ms is 1,696,000 bytes an hour.
  auto parsed = Parse(R"(
[health]
targets = [{ kind = "tcp", address = "203.0.113.10", port = 443 }]
)");
  ASSERT_EQ(parsed.issues.size(), 1u) << parsed.Issues();
  EXPECT_NE(parsed.Issues().find("steady probing costs 1696000 bytes/hour, over max_probe_kb_per_hour (512000 bytes)"),
            std::string::npos)
      << parsed.Issues();
  // Probing less often fits.
  auto slower = Parse(R"(
[health]
targets = [{ kind = "tcp", address = "203.0.113.10", port = 443 }]
steady_interval_ms = 1500
)");
  EXPECT_TRUE(slower.issues.empty()) << slower.Issues();
}

}  // namespace
}  // namespace uplinkd::config
