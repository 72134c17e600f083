#include "modem/udhcpc_event.h"

#include <gtest/gtest.h>

namespace uplinkd::modem {
namespace {

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

TEST(UdhcpcEventTest, ABoundLineBecomesALease) {
  auto event = ParseUdhcpcEvent(
      "uplinkd-udhcpc event=bound interface=wwan0 ip=100.64.7.10 subnet=255.255.255.0 mask=24 "
      "router=100.64.7.1,100.64.7.2 dns=198.51.100.53,198.51.100.54 mtu=1400 lease=600");
  ASSERT_TRUE(event);
  EXPECT_EQ(event->event, "bound");
  EXPECT_EQ(event->interface, "wwan0");
  ASSERT_TRUE(event->lease);
  EXPECT_EQ(event->lease->address.ToString(), "100.64.7.10/24");
  EXPECT_EQ(event->lease->gateway, Ip("100.64.7.1"));  // the first router
  EXPECT_EQ(event->lease->dns, (std::vector<net::IpAddress>{Ip("198.51.100.53"), Ip("198.51.100.54")}));
  EXPECT_EQ(event->lease->mtu, 1400u);
}

TEST(UdhcpcEventTest, TheSubnetGivesThePrefixWhenThereIsNoMaskAndMissingOptionsAreAbsent) {
  auto event = ParseUdhcpcEvent("uplinkd-udhcpc event=renew interface=wwan0 ip=192.0.2.7 subnet=255.255.255.252 mask= "
                                "router= dns= mtu= lease=");
  ASSERT_TRUE(event && event->lease);
  EXPECT_EQ(event->lease->address.ToString(), "192.0.2.7/30");
  EXPECT_FALSE(event->lease->gateway);
  EXPECT_TRUE(event->lease->dns.empty());
  EXPECT_EQ(event->lease->mtu, 0u);
}

TEST(UdhcpcEventTest, EventsWithoutALeaseAndForeignLinesAreTold) {
  auto deconfig = ParseUdhcpcEvent("uplinkd-udhcpc event=deconfig interface=wwan0 ip= subnet= mask= router= dns= mtu= lease=");
  ASSERT_TRUE(deconfig);
  EXPECT_EQ(deconfig->event, "deconfig");
  EXPECT_FALSE(deconfig->lease);
  EXPECT_FALSE(ParseUdhcpcEvent("udhcpc: sending discover"));
  EXPECT_FALSE(ParseUdhcpcEvent("uplinkd-udhcpc garbage"));
  // An unusable lease (bad address, non-contiguous mask, absurd MTU) is not a lease.
  auto bad = ParseUdhcpcEvent("uplinkd-udhcpc event=bound interface=wwan0 ip=300.1.1.1 subnet=255.255.255.0 mask=24");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->lease);
  auto holes = ParseUdhcpcEvent("uplinkd-udhcpc event=bound interface=wwan0 ip=192.0.2.7 subnet=255.0.255.0");
  ASSERT_TRUE(holes);
  EXPECT_FALSE(holes->lease);
  auto tiny = ParseUdhcpcEvent("uplinkd-udhcpc event=bound interface=wwan0 ip=192.0.2.7 mask=24 mtu=100");
  ASSERT_TRUE(tiny && tiny->lease);
  EXPECT_EQ(tiny->lease->mtu, 0u);
}

}  // namespace
}  // namespace uplinkd::modem
