#include "dbus/mutation_access_policy.h"

#include <gtest/gtest.h>

namespace uplinkd::dbus {
namespace {

constexpr uint32_t kGroup = 990;

MutationAccessPolicy Policy(std::optional<uint32_t> gid, std::vector<uint32_t> database_groups = {},
                            int* lookups = nullptr) {
  return MutationAccessPolicy("uplinkd", gid, [database_groups, lookups](uint32_t) {
    if (lookups) ++*lookups;
    return database_groups;
  });
}

CallerCredentials Caller(uint32_t uid, std::optional<std::vector<uint32_t>> gids) {
  return {":1.7", uid, 1234, std::move(gids)};
}

TEST(MutationAccessPolicyTest, RootMayAlways) {
  EXPECT_FALSE(Policy(kGroup).Refusal(Caller(0, std::vector<uint32_t>{})));
  EXPECT_FALSE(Policy(std::nullopt).Refusal(Caller(0, std::nullopt)));
}

TEST(MutationAccessPolicyTest, MembersOfTheGroupMayByTheirProcessGroups) {
  int lookups = 0;
  auto policy = Policy(kGroup, {}, &lookups);
  EXPECT_FALSE(policy.Refusal(Caller(1000, std::vector<uint32_t>{100, kGroup})));
  EXPECT_EQ(lookups, 0) << "the bus reported the groups; the user database is not asked";
  auto refusal = policy.Refusal(Caller(65534, std::vector<uint32_t>{65534}));
  ASSERT_TRUE(refusal);
  EXPECT_EQ(*refusal, "uid 65534 is neither root nor a member of group \"uplinkd\"");
}

TEST(MutationAccessPolicyTest, WithoutGroupsFromTheBusTheUserDatabaseDecides) {
  int lookups = 0;
  EXPECT_FALSE(Policy(kGroup, {5, kGroup}, &lookups).Refusal(Caller(1000, std::nullopt)));
  EXPECT_EQ(lookups, 1);
  EXPECT_TRUE(Policy(kGroup, {5}).Refusal(Caller(1000, std::nullopt)));
}

TEST(MutationAccessPolicyTest, AMissingGroupLeavesOnlyRoot) {
  auto refusal = Policy(std::nullopt, {kGroup}).Refusal(Caller(1000, std::vector<uint32_t>{kGroup}));
  ASSERT_TRUE(refusal);
  EXPECT_NE(refusal->find("does not exist"), std::string::npos);
}

TEST(MutationAccessPolicyTest, FromSystemResolvesAnExistingGroup) {
  // Group "root" (gid 0) exists everywhere; a made-up name does not.
  EXPECT_EQ(MutationAccessPolicy::FromSystem("root").group_gid(), 0u);
  EXPECT_FALSE(MutationAccessPolicy::FromSystem("uplinkd-no-such-group-x").group_gid());
}

}  // namespace
}  // namespace uplinkd::dbus
