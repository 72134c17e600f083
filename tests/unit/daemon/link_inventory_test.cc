#include "daemon/link_inventory.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace uplinkd {
namespace {

net::LinkEvent Wwan0(bool carrier) {
  return {.index = 3, .name = "wwan0", .admin_up = true, .carrier = carrier, .mtu = 1500};
}

net::AddressEvent Address(const char* prefix, bool removed = false) {
  return {.link_index = 3, .prefix = *net::IpPrefix::Parse(prefix), .removed = removed};
}

TEST(LinkInventoryTest, RepeatedEventsChangeNothing) {
  LinkInventory inventory;
  EXPECT_TRUE(inventory.Apply(Wwan0(true)));
  EXPECT_FALSE(inventory.Apply(Wwan0(true)));
  EXPECT_TRUE(inventory.Apply(Wwan0(false)));
  EXPECT_TRUE(inventory.Apply(Address("100.64.1.2/30")));
  EXPECT_FALSE(inventory.Apply(Address("100.64.1.2/30")));
  ASSERT_NE(inventory.Find("wwan0"), nullptr);
  EXPECT_FALSE(inventory.Find("wwan0")->link.carrier);
}

TEST(LinkInventoryTest, AddressesAndRemoval) {
  LinkInventory inventory;
  // The kernel may report an address before the monitor has delivered its link.
  EXPECT_TRUE(inventory.Apply(Address("2001:db8:1::2/64")));
  EXPECT_TRUE(inventory.Apply(Wwan0(true)));
  EXPECT_TRUE(inventory.Apply(Address("100.64.1.2/30")));
  auto json = inventory.ToJson();
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["name"], "wwan0");
  EXPECT_EQ(json[0]["addresses"], (nlohmann::json{"100.64.1.2/30", "2001:db8:1::2/64"}));
  EXPECT_TRUE(inventory.Apply(Address("100.64.1.2/30", true)));
  EXPECT_FALSE(inventory.Apply(Address("100.64.1.2/30", true)));
  net::LinkEvent gone = Wwan0(false);
  gone.removed = true;
  EXPECT_TRUE(inventory.Apply(gone));
  EXPECT_EQ(inventory.Find("wwan0"), nullptr);
  EXPECT_FALSE(inventory.Apply(gone));
}

}  // namespace
}  // namespace uplinkd
