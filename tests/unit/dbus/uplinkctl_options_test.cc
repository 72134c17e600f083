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

TEST(UplinkctlOptionsTest, CommandsThatChangeSomething) {
  auto resume = ParseOptions({"modem", "resume", "modem1", "--json"});
  ASSERT_TRUE(resume) << resume.error().message;
  EXPECT_EQ(resume->arguments, (std::vector<std::string>{"resume", "modem1"}));
  EXPECT_TRUE(ParseOptions({"modem", "reconnect", "modem1"}));
  EXPECT_TRUE(ParseOptions({"modem", "reset", "modem1"}));
  EXPECT_TRUE(ParseOptions({"modem", "resume"}));  // shows a modem named "resume"
  EXPECT_EQ(ParseOptions({"modem", "reboot", "modem1"}).error().message, "modem takes NAME, or resume|reconnect|reset NAME");
  EXPECT_TRUE(ParseOptions({"wan", "down", "cell1"}));
  EXPECT_TRUE(ParseOptions({"wan", "up", "cell1"}));
  EXPECT_FALSE(ParseOptions({"wan", "sideways", "cell1"}));
  EXPECT_FALSE(ParseOptions({"wan", "down", "cell1", "cell2"}));

  auto pin = ParseOptions({"pin", "bulk", "cell2", "--for", "5s"});
  ASSERT_TRUE(pin) << pin.error().message;
  EXPECT_EQ(pin->pin_seconds, 5u);
  EXPECT_EQ(ParseOptions({"pin", "bulk", "cell2", "--for=2m"})->pin_seconds, 120u);
  EXPECT_EQ(ParseOptions({"pin", "bulk", "cell2", "--for", "90"})->pin_seconds, 90u);
  EXPECT_EQ(ParseOptions({"pin", "bulk", "cell2"}).error().message, "pin needs --for DURATION (e.g. --for 5s)");
  EXPECT_FALSE(ParseOptions({"pin", "bulk", "cell2", "--for", "0s"}));
  EXPECT_FALSE(ParseOptions({"pin", "bulk", "cell2", "--for", "5d"}));
  EXPECT_FALSE(ParseOptions({"pin", "bulk", "cell2", "--for", "-5"}));
  EXPECT_FALSE(ParseOptions({"pin", "bulk", "--for", "5s"}));
  EXPECT_FALSE(ParseOptions({"status", "--for", "5s"}));
  EXPECT_TRUE(ParseOptions({"unpin", "bulk"}));
  EXPECT_FALSE(ParseOptions({"unpin"}));

  EXPECT_EQ(ParseOptions({"audit"})->limit, 0u);
  EXPECT_EQ(ParseOptions({"audit", "--limit", "20"})->limit, 20u);
  EXPECT_FALSE(ParseOptions({"audit", "--limit", "1001"}));
  EXPECT_FALSE(ParseOptions({"audit", "--limit", "2.5"}));
  EXPECT_FALSE(ParseOptions({"audit", "extra"}));
}

TEST(UplinkctlOptionsTest, Durations) {
  EXPECT_EQ(ParseDuration("1h").value_or(0), 3600u);
  EXPECT_EQ(ParseDuration("7").value_or(0), 7u);
  for (const char* bad : {"", "s", "1.5s", "5 s", "1e3", "9999999999", "0"}) EXPECT_FALSE(ParseDuration(bad)) << bad;
}

TEST(UplinkctlOptionsTest, HelpAndVersion) {
  EXPECT_EQ(ParseOptions({"--help"})->command, "help");
  EXPECT_EQ(ParseOptions({"--version"})->command, "version");
  EXPECT_NE(std::string(UsageText()).find("Exit status"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd::ctl
