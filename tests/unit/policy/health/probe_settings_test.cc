#include "policy/health/probe_settings.h"

#include <gtest/gtest.h>

namespace uplinkd::policy {
namespace {

ProbeTarget Target(ProbeKind kind, const char* address) {
  ProbeTarget target;
  target.kind = kind;
  target.address = *net::IpAddress::Parse(address);
  return target;
}

TEST(ProbeSettingsTest, KindNamesRoundTrip) {
  for (auto kind : {ProbeKind::kIcmp, ProbeKind::kUdpEcho, ProbeKind::kTcp, ProbeKind::kHttp, ProbeKind::kHttps,
                    ProbeKind::kDns}) {
    EXPECT_EQ(ParseProbeKind(ProbeKindName(kind)), kind);
  }
  EXPECT_FALSE(ParseProbeKind("ping"));
  EXPECT_EQ(DefaultProbePort(ProbeKind::kUdpEcho), 7);
  EXPECT_EQ(DefaultProbePort(ProbeKind::kDns), 53);
  EXPECT_EQ(DefaultProbePort(ProbeKind::kHttps), 443);
}

TEST(ProbeSettingsTest, DescribesTargets) {
  EXPECT_EQ(DescribeProbeTarget(Target(ProbeKind::kIcmp, "203.0.113.10")), "icmp 203.0.113.10");
  EXPECT_EQ(DescribeProbeTarget(Target(ProbeKind::kUdpEcho, "203.0.113.11")), "udp-echo 203.0.113.11:7");
  auto dns = Target(ProbeKind::kDns, "2001:db8:ff::10");
  dns.dns_name = "probe.example";
  EXPECT_EQ(DescribeProbeTarget(dns), "dns [2001:db8:ff::10]:53 probe.example");
  auto http = Target(ProbeKind::kHttp, "203.0.113.10");
  http.port = 8080;
  http.http_path = "/health";
  EXPECT_EQ(DescribeProbeTarget(http), "http 203.0.113.10:8080/health");
}

TEST(ProbeSettingsTest, ProbeBytesCountIpHeadersBothWays) {
  // ICMP echo without payload: (20 IP + 8 ICMP) each way.
  EXPECT_EQ(ProbeBytes(Target(ProbeKind::kIcmp, "203.0.113.10")), 56u);
  EXPECT_EQ(ProbeBytes(Target(ProbeKind::kIcmp, "2001:db8:ff::10")), 96u);
  // UDP echo with a 4-byte token: (20 + 8 + 4) each way.
  EXPECT_EQ(ProbeBytes(Target(ProbeKind::kUdpEcho, "203.0.113.10")), 64u);
  // SYN 60, SYN-ACK 60, ACK 52, RST 40.
  EXPECT_EQ(ProbeBytes(Target(ProbeKind::kTcp, "203.0.113.10")), 212u);
  // DNS for "a.example" (11 bytes encoded): query 20+8+12+11+4 = 55, answer 55 + 16.
  auto dns = Target(ProbeKind::kDns, "203.0.113.10");
  dns.dns_name = "a.example";
  EXPECT_EQ(ProbeBytes(dns), 126u);
  auto https = Target(ProbeKind::kHttps, "203.0.113.10");
  EXPECT_GT(ProbeBytes(https), ProbeBytes(Target(ProbeKind::kHttp, "203.0.113.10")) + 4000);
}

TEST(ProbeSettingsTest, DefaultsFitTheBudgetWithOneOrTwoIcmpTargets) {
  HealthSettings settings;
  settings.targets = {Target(ProbeKind::kIcmp, "203.0.113.10")};
  // One 56-byte probe every 450 ms: 8000 probes an hour.
  EXPECT_EQ(SteadyProbeBytesPerHour(settings), 448000u);
  EXPECT_LE(SteadyProbeBytesPerHour(settings), settings.max_probe_bytes_per_hour);
  // Targets are taken in turn, so a second target does not add steady traffic.
  settings.targets.push_back(Target(ProbeKind::kIcmp, "203.0.113.11"));
  EXPECT_EQ(SteadyProbeBytesPerHour(settings), 448000u);
  // Down: every target once a second.
  EXPECT_EQ(RecoveryProbeBytesPerHour(settings), 2u * 56 * 3600);
  // UDP echo costs a little more than ICMP and just fits (512,000 bytes is 500 KiB); TCP
  // connects do not.
  settings.targets = {Target(ProbeKind::kUdpEcho, "203.0.113.10")};
  EXPECT_EQ(SteadyProbeBytesPerHour(settings), 512000u);
  EXPECT_LE(SteadyProbeBytesPerHour(settings), settings.max_probe_bytes_per_hour);
  settings.targets = {Target(ProbeKind::kTcp, "203.0.113.10")};
  EXPECT_EQ(SteadyProbeBytesPerHour(settings), 212u * 8000);
  EXPECT_GT(SteadyProbeBytesPerHour(settings), settings.max_probe_bytes_per_hour);
}

}  // namespace
}  // namespace uplinkd::policy
