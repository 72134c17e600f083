#include "relay/alerts_section.h"

#include <sstream>

#include <gtest/gtest.h>

namespace uplinkd::config {
namespace {

struct Read {
  AlertsConfig alerts;
  std::vector<std::string> issues;
};

Read ReadText(const std::string& text) {
  std::istringstream stream(text);
  auto root = toml::parse(stream, "alerts.toml");
  Read read;
  std::vector<ConfigIssue> issues;
  TomlSection section(toml::find(root, "alerts"), "alerts", "alerts.toml", issues);
  ReadAlertsSection(section, read.alerts);
  for (const auto& issue : issues) read.issues.push_back(issue.ToString());
  return read;
}

TEST(AlertsSectionTest, DuplicationAndMinimumRtoDefaults) {
  auto read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\n");
  ASSERT_TRUE(read.issues.empty()) << read.issues[0];
  EXPECT_TRUE(read.alerts.duplicate_when_degraded);
  EXPECT_EQ(read.alerts.rto_min_ms, 20);
}

TEST(AlertsSectionTest, ReadsDuplicationAndMinimumRto) {
  auto read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nduplicate_when_degraded = false\nrto_min_ms = 0\n");
  ASSERT_TRUE(read.issues.empty()) << read.issues[0];
  EXPECT_FALSE(read.alerts.duplicate_when_degraded);
  EXPECT_EQ(read.alerts.rto_min_ms, 0);
  read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nrto_min_ms = 200\n");
  ASSERT_TRUE(read.issues.empty()) << read.issues[0];
  EXPECT_EQ(read.alerts.rto_min_ms, 200);
}

TEST(AlertsSectionTest, BadDuplicationAndMinimumRtoAreLocatedIssues) {
  auto read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nduplicate_when_degraded = \"yes\"\nrto_min_ms = 201\n");
  ASSERT_EQ(read.issues.size(), 2u);
  EXPECT_EQ(read.issues[0].rfind("alerts.toml:3: alerts.duplicate_when_degraded: ", 0), 0u) << read.issues[0];
  EXPECT_EQ(read.issues[1].rfind("alerts.toml:4: alerts.rto_min_ms: ", 0), 0u) << read.issues[1];
  // A bad value leaves the default in place.
  EXPECT_TRUE(read.alerts.duplicate_when_degraded);
  EXPECT_EQ(read.alerts.rto_min_ms, 20);
  read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nrto_min_ms = -1\n");
  ASSERT_EQ(read.issues.size(), 1u);
  EXPECT_EQ(read.issues[0].rfind("alerts.toml:3: alerts.rto_min_ms: ", 0), 0u) << read.issues[0];
}

TEST(AlertsSectionTest, QosZeroIsRefusedWithItsLocation) {
  // QoS 0 would mark an alert delivered once written to the socket.
  auto read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nqos = 0\n");
  ASSERT_EQ(read.issues.size(), 1u);
  EXPECT_EQ(read.issues[0].rfind("alerts.toml:3: alerts.qos: ", 0), 0u) << read.issues[0];
  EXPECT_NE(read.issues[0].find("PUBACK"), std::string::npos) << read.issues[0];
  EXPECT_EQ(read.alerts.qos, 1);
  for (int qos : {1, 2}) {
    read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\nqos = " + std::to_string(qos) + "\n");
    ASSERT_TRUE(read.issues.empty()) << read.issues[0];
    EXPECT_EQ(read.alerts.qos, qos);
  }
}

TEST(AlertsSectionTest, ParkAfterAttemptsDefaultsAndBounds) {
  auto read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\n");
  EXPECT_EQ(read.alerts.park_after_attempts, 5);
  read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\npark_after_attempts = 0\n");
  ASSERT_TRUE(read.issues.empty()) << read.issues[0];
  EXPECT_EQ(read.alerts.park_after_attempts, 0);
  read = ReadText("[alerts]\nbroker_host = \"198.51.100.7\"\npark_after_attempts = 1001\n");
  ASSERT_EQ(read.issues.size(), 1u);
  EXPECT_EQ(read.issues[0].rfind("alerts.toml:3: alerts.park_after_attempts: ", 0), 0u) << read.issues[0];
}

}  // namespace
}  // namespace uplinkd::config
