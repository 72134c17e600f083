#include "dbus/property_fields.h"

#include <gtest/gtest.h>

#include "dbus/manager_properties.h"

namespace uplinkd::dbus {
namespace {

TEST(PropertyFieldsTest, NamesExactlyTheChangedFieldsInTableOrder) {
  ManagerProperties before;
  before.state = "online";
  before.uplinks_up = 2;
  ManagerProperties after = before;
  EXPECT_TRUE(ChangedPropertyNames(before, after).empty());
  after.uplinks_up = 1;
  after.state = "degraded";
  after.paths["alert"] = "modem2";
  EXPECT_EQ(ChangedPropertyNames(before, after), (std::vector<std::string>{"State", "Paths", "UplinksUp"}));
}

TEST(PropertyFieldsTest, EveryFieldOfTheManagerHasADistinctName) {
  auto names = PropertyNames<ManagerProperties>();
  EXPECT_EQ(names.size(), 10u);
  std::set<std::string> distinct(names.begin(), names.end());
  EXPECT_EQ(distinct.size(), names.size());
}

TEST(OverallStateTest, FollowsLifecycleAndUplinks) {
  EXPECT_EQ(OverallState(false, false, 2, 2), "starting");
  EXPECT_EQ(OverallState(true, true, 2, 2), "stopping");
  EXPECT_EQ(OverallState(true, false, 2, 2), "online");
  EXPECT_EQ(OverallState(true, false, 1, 2), "degraded");
  EXPECT_EQ(OverallState(true, false, 0, 2), "offline");
  EXPECT_EQ(OverallState(true, false, 0, 0), "offline");
}

}  // namespace
}  // namespace uplinkd::dbus
