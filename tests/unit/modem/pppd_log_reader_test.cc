#include "modem/pppd_log_reader.h"

#include <gtest/gtest.h>

namespace uplinkd::modem {
namespace {

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

TEST(PppdLogReaderTest, AssemblesTheLinkFromPppdsLogLines) {
  PppdLogReader reader;
  EXPECT_FALSE(reader.Feed("Serial connection established."));
  EXPECT_TRUE(reader.Feed("Using interface ppp1"));
  EXPECT_FALSE(reader.Feed("Connect: ppp1 <--> /dev/ttyUSB2"));
  EXPECT_FALSE(reader.Lease());  // no address yet
  EXPECT_TRUE(reader.Feed("local  IP address 10.64.0.5"));
  ASSERT_TRUE(reader.Lease());
  EXPECT_TRUE(reader.Feed("remote IP address 10.64.0.1"));
  EXPECT_TRUE(reader.Feed("primary   DNS address 198.51.100.53"));
  EXPECT_TRUE(reader.Feed("secondary DNS address 198.51.100.54"));
  EXPECT_FALSE(reader.Feed("secondary DNS address 198.51.100.54"));  // repeated: no change
  auto lease = reader.Lease();
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->interface, "ppp1");
  EXPECT_TRUE(lease->applied_by_client);
  EXPECT_EQ(lease->ipv4.address.ToString(), "10.64.0.5/32");
  EXPECT_EQ(lease->ipv4.gateway, Ip("10.64.0.1"));
  EXPECT_EQ(lease->ipv4.dns, (std::vector<net::IpAddress>{Ip("198.51.100.53"), Ip("198.51.100.54")}));
}

TEST(PppdLogReaderTest, IgnoresLinesThatOnlyLookAlike) {
  PppdLogReader reader;
  EXPECT_FALSE(reader.Feed("local  IP address not-an-address"));
  EXPECT_FALSE(reader.Feed("Using interface"));
  EXPECT_FALSE(reader.Feed("LCP terminated by peer"));
  EXPECT_FALSE(reader.Lease());
}

}  // namespace
}  // namespace uplinkd::modem
