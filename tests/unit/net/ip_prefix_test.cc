#include "net/ip_prefix.h"

#include <gtest/gtest.h>

namespace uplinkd::net {
namespace {

TEST(IpPrefixTest, ParsesV4AndV6) {
  auto v4 = IpPrefix::Parse("198.51.100.7/24");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family(), IpFamily::kV4);
  EXPECT_EQ(v4->length(), 24);
  EXPECT_EQ(v4->ToString(), "198.51.100.7/24");
  EXPECT_EQ(v4->Network().ToString(), "198.51.100.0/24");
  auto v6 = IpPrefix::Parse("2001:db8:1::5/64");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->Network().ToString(), "2001:db8:1::/64");
  EXPECT_EQ(IpPrefix::Parse("203.0.113.9")->length(), 32);
}

TEST(IpPrefixTest, RejectsBadInput) {
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.7/33"));
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.7/"));
  EXPECT_FALSE(IpPrefix::Parse("198.51.100.7/2x"));
  EXPECT_FALSE(IpPrefix::Parse("300.1.1.1/8"));
  EXPECT_FALSE(IpPrefix::Parse(""));
}

TEST(IpPrefixTest, Contains) {
  auto prefix = *IpPrefix::Parse("100.64.2.0/23");
  EXPECT_TRUE(prefix.Contains(*IpAddress::Parse("100.64.3.200")));
  EXPECT_FALSE(prefix.Contains(*IpAddress::Parse("100.64.4.1")));
  EXPECT_FALSE(prefix.Contains(*IpAddress::Parse("::1")));
  EXPECT_TRUE(IpPrefix::Default(IpFamily::kV6).Contains(*IpAddress::Parse("2001:db8::1")));
}

}  // namespace
}  // namespace uplinkd::net
