#include "dbus/dbus_access_section.h"

#include <gtest/gtest.h>

#include "daemon/config/config_loader.h"

namespace uplinkd::config {
namespace {

TEST(DbusAccessSectionTest, DefaultsToGroupUplinkd) {
  auto outcome = ConfigLoader::LoadString("", "t.toml");
  ASSERT_TRUE(outcome.ok()) << outcome.issues[0].ToString();
  EXPECT_EQ(outcome.config.dbus_access.access_group, "uplinkd");
}

TEST(DbusAccessSectionTest, ReadsTheGroupNextToTheBus) {
  auto outcome = ConfigLoader::LoadString("[dbus]\nbus = \"system\"\naccess_group = \"netops\"\n", "t.toml");
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.config.dbus_access.access_group, "netops");
}

TEST(DbusAccessSectionTest, RejectsWhatCannotBeAGroupWithItsLine) {
  auto outcome = ConfigLoader::LoadString("[dbus]\n\naccess_group = \"net ops\"\n", "t.toml");
  ASSERT_EQ(outcome.issues.size(), 1u);
  EXPECT_EQ(outcome.issues[0].line, 3);
  EXPECT_NE(outcome.issues[0].ToString().find("access_group"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd::config
