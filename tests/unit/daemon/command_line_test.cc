#include "daemon/command_line.h"

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

TEST(CommandLineTest, ParsesOptions) {
  const char* argv[] = {"uplinkd", "--config", "/etc/x.toml", "--bus", "unix:path=/run/b", "--log-level", "debug"};
  auto line = CommandLine::Parse(7, argv);
  ASSERT_TRUE(line) << line.error().message;
  EXPECT_EQ(line->config_path, "/etc/x.toml");
  EXPECT_TRUE(line->config_path_given);
  EXPECT_EQ(*line->bus, "unix:path=/run/b");
  EXPECT_EQ(*line->log_level, "debug");
}

TEST(CommandLineTest, RejectsUnknownOptionsMissingValuesAndBadLevels) {
  const char* unknown[] = {"uplinkd", "--frobnicate"};
  EXPECT_EQ(CommandLine::Parse(2, unknown).error().message, "unknown option --frobnicate");
  const char* missing[] = {"uplinkd", "--config"};
  EXPECT_EQ(CommandLine::Parse(2, missing).error().message, "--config needs a value");
  const char* level[] = {"uplinkd", "--log-level", "chatty"};
  EXPECT_FALSE(CommandLine::Parse(3, level));
}

}  // namespace
}  // namespace uplinkd
