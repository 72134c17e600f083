#include "dbus/uplinkctl/uplinkctl_options.h"

#include <gtest/gtest.h>

namespace uplinkd::ctl {
namespace {

TEST(UplinkctlOptionsTest, StatusIsTheDefault) {
  auto options = ParseOptions({});
  ASSERT_TRUE(options);
  EXPECT_EQ(options->command, "status");
  EXPECT_FALSE(options->bus);
  EXPECT_FALSE(options->json);
}

TEST(UplinkctlOptionsTest, GlobalOptionsAnywhere) {
  auto options = ParseOptions({"--bus", "unix:path=/run/b.sock", "modem", "modem1", "--json", "--color=never"});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(*options->bus, "unix:path=/run/b.sock");
  EXPECT_EQ(options->command, "modem");
  EXPECT_EQ(options->arguments, std::vector<std::string>{"modem1"});
  EXPECT_TRUE(options->json);
  EXPECT_EQ(options->color, ColorMode::kNever);

  auto monitor = ParseOptions({"monitor", "--count=3", "--timeout", "2.5", "--bus=unix:path=/x"});
  ASSERT_TRUE(monitor) << monitor.error().message;
  EXPECT_EQ(monitor->count, 3u);
  EXPECT_DOUBLE_EQ(monitor->timeout_s, 2.5);
  EXPECT_EQ(*monitor->bus, "unix:path=/x");
}

TEST(UplinkctlOptionsTest, UsageErrorsSayWhatIsWrong) {
  EXPECT_EQ(ParseOptions({"frobnicate"}).error().message, "unknown command \"frobnicate\"");
  EXPECT_EQ(ParseOptions({"--frob"}).error().message, "unknown option --frob");
  EXPECT_EQ(ParseOptions({"--bus"}).error().message, "--bus needs a value");
  EXPECT_EQ(ParseOptions({"status", "extra"}).error().message, "wrong number of arguments for status");
  EXPECT_EQ(ParseOptions({"log-level"}).error().message, "wrong number of arguments for log-level");
  EXPECT_FALSE(ParseOptions({"monitor", "--count", "many"}));
  EXPECT_FALSE(ParseOptions({"--color=sometimes"}));
}

TEST(UplinkctlOptionsTest, HelpAndVersion) {
  EXPECT_EQ(ParseOptions({"--help"})->command, "help");
  EXPECT_EQ(ParseOptions({"--version"})->command, "version");
  EXPECT_NE(std::string(UsageText()).find("Exit status"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd::ctl
