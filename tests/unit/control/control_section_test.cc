#include "control/control_section.h"

#include <gtest/gtest.h>

#include "daemon/config/config_loader.h"

namespace uplinkd::config {
namespace {

TEST(ControlSectionTest, AbsentMeansTheDefaults) {
  auto outcome = ConfigLoader::LoadString("", "t.toml");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config.control, ControlConfig{});
  EXPECT_FALSE(outcome.config.control.operators);
}

TEST(ControlSectionTest, ReadsEveryKey) {
  auto outcome = ConfigLoader::LoadString(
      "[control]\n"
      "readers = [\"*\"]\n"
      "operators = [\"group:uplinkd\", \"uid:1001\", \"sms:key-1\"]\n"
      "configurers = []\n"
      "admins = [\"remote:ops@fleet\", \"user:alice\"]\n"
      "audit_max_rows = 500\n"
      "idempotency_window_s = 30\n",
      "t.toml");
  ASSERT_TRUE(outcome.ok()) << outcome.issues[0].ToString();
  const auto& control = outcome.config.control;
  ASSERT_TRUE(control.operators);
  ASSERT_EQ(control.operators->size(), 3u);
  EXPECT_EQ((*control.operators)[1].ToString(), "uid:1001");
  ASSERT_TRUE(control.configurers);
  EXPECT_TRUE(control.configurers->empty());
  EXPECT_EQ((*control.admins)[0].ToString(), "remote:ops@fleet");
  EXPECT_EQ(control.audit_max_rows, 500u);
  EXPECT_EQ(control.idempotency_window_s, 30u);
}

TEST(ControlSectionTest, RefusesUnknownKeysAndBadEntriesWithTheirLines) {
  auto outcome = ConfigLoader::LoadString(
      "[control]\n"
      "operators = [\"root\"]\n"
      "owners = [\"uid:0\"]\n"
      "audit_max_rows = 5\n"
      "readers = \"*\"\n",
      "t.toml");
  ASSERT_EQ(outcome.issues.size(), 4u);
  std::vector<int> lines;
  for (const auto& issue : outcome.issues) lines.push_back(issue.line);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<int>{2, 3, 4, 5}));
  std::string all;
  for (const auto& issue : outcome.issues) all += issue.ToString() + "\n";
  EXPECT_NE(all.find("\"root\""), std::string::npos) << all;
  EXPECT_NE(all.find("owners"), std::string::npos) << all;
}

}  // namespace
}  // namespace uplinkd::config
