#include "net/link_table.h"

#include <gtest/gtest.h>

namespace uplinkd::net {
namespace {

LinkEvent Wwan0(bool carrier) { return {.index = 3, .name = "wwan0", .admin_up = true, .carrier = carrier, .mtu = 1500}; }

AddressEvent Address(const char* prefix, bool removed = false) {
  return {.link_index = 3, .prefix = *IpPrefix::Parse(prefix), .removed = removed};
}

TEST(LinkTableTest, RepeatedEventsChangeNothing) {
  LinkTable table;
  EXPECT_TRUE(table.Apply(Wwan0(true)));
  EXPECT_FALSE(table.Apply(Wwan0(true)));
  EXPECT_TRUE(table.Apply(Wwan0(false)));
  EXPECT_TRUE(table.Apply(Address("100.64.1.2/30")));
  EXPECT_FALSE(table.Apply(Address("100.64.1.2/30")));
  ASSERT_NE(table.Find("wwan0"), nullptr);
  EXPECT_FALSE(table.Find("wwan0")->link.carrier);
  EXPECT_FALSE(table.Find("wwan0")->up());
  EXPECT_EQ(table.Find(""), nullptr);
}

TEST(LinkTableTest, AddressesKeepTheKernelsOrderAndGoAway) {
  LinkTable table;
  // The kernel may report an address before the monitor has delivered its link.
  EXPECT_TRUE(table.Apply(Address("2001:db8:1::2/64")));
  EXPECT_TRUE(table.Apply(Wwan0(true)));
  EXPECT_TRUE(table.Apply(Address("100.64.1.2/30")));
  ASSERT_EQ(table.entries().size(), 1u);
  const LinkEntry* entry = table.Find("wwan0");
  ASSERT_NE(entry, nullptr);
  EXPECT_TRUE(entry->up());
  EXPECT_EQ(entry->addresses, (std::vector{*IpPrefix::Parse("2001:db8:1::2/64"), *IpPrefix::Parse("100.64.1.2/30")}));
  EXPECT_TRUE(table.Apply(Address("100.64.1.2/30", true)));
  EXPECT_FALSE(table.Apply(Address("100.64.1.2/30", true)));
  LinkEvent gone = Wwan0(false);
  gone.removed = true;
  EXPECT_TRUE(table.Apply(gone));
  EXPECT_EQ(table.Find("wwan0"), nullptr);
  EXPECT_FALSE(table.Apply(gone));
}

}  // namespace
}  // namespace uplinkd::net
