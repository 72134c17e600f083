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
  EXPECT_EQ(Issues(outcome), std::vector<std::string>{"/nonexistent/uplinkd.toml: cannot be read"});
}

TEST(ConfigLoaderTest, WrongTypeForSectionIsRejected) {
  auto outcome = ConfigLoader::LoadString("daemon = 3\n", "shape.toml");
  EXPECT_EQ(Issues(outcome), std::vector<std::string>{"shape.toml:1: daemon: must be a table"});
}

}  // namespace
}  // namespace uplinkd::config
