#include "net/fake_netlink_monitor.h"

#include <gtest/gtest.h>

#include "tests/unit/net/netlink_monitor_contract.h"

namespace uplinkd::net {
namespace {

class FakeNetlinkMonitorHarness : public NetlinkMonitorHarness {
 public:
  FakeNetlinkMonitorHarness() : monitor_(kernel_) { monitor_.DeliverOn(io_); }
  boost::asio::io_context& io() override { return io_; }
  NetlinkMonitor& monitor() override { return monitor_; }
  RoutingEdge& edge() override { return kernel_; }
  int CreateLink(const std::string& name) override { return kernel_.AddLink(name); }
  void SetCarrier(int link_index, bool carrier) override { kernel_.SetCarrier(link_index, carrier); }
  void RemoveLink(int link_index) override { kernel_.RemoveLink(link_index); }

 private:
  boost::asio::io_context io_;
  FakeRoutingEdge kernel_;
  FakeNetlinkMonitor monitor_;
};

INSTANTIATE_TEST_SUITE_P(Fake, NetlinkMonitorContractTest,
                         ::testing::Values(NamedNetlinkMonitorHarnessFactory{
                             "Fake", [] { return std::make_unique<FakeNetlinkMonitorHarness>(); }}),
                         MonitorHarnessName);

TEST(FakeNetlinkMonitorTest, TestsEmitEventsThemselves) {
  FakeNetlinkMonitor monitor;
  std::vector<LinkEvent> links;
  std::vector<AddressEvent> addresses;
  int synced = 0;
  ASSERT_TRUE(monitor.Start({.on_link = [&](const LinkEvent& e) { links.push_back(e); },
                             .on_address = [&](const AddressEvent& e) { addresses.push_back(e); },
                             .on_synced = [&] { ++synced; }}));
  EXPECT_EQ(monitor.DeliverPending(), 0u);  // standalone: no snapshot of its own

  monitor.QueueLink({.index = 7, .name = "wwan0", .admin_up = true, .carrier = true, .mtu = 1500, .removed = false});
  monitor.QueueAddress({.link_index = 7, .prefix = *IpPrefix::Parse("100.64.0.2/30"), .removed = false});
  monitor.QueueSynced();
  EXPECT_TRUE(links.empty());  // queued, not delivered
  EXPECT_EQ(monitor.pending(), 3u);
  EXPECT_EQ(monitor.DeliverPending(), 3u);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(links[0].name, "wwan0");
  ASSERT_EQ(addresses.size(), 1u);
  EXPECT_EQ(synced, 1);

  monitor.Stop();
  monitor.QueueLink({.index = 7, .name = "wwan0", .admin_up = false, .carrier = false, .mtu = 1500, .removed = false});
  EXPECT_EQ(monitor.DeliverPending(), 0u);
  EXPECT_EQ(links.size(), 1u);
}

TEST(FakeNetlinkMonitorTest, FollowsTheFakeKernelWithoutAnIoContext) {
  FakeRoutingEdge kernel;
  int index = kernel.AddLink("wwan1");
  FakeNetlinkMonitor monitor(kernel);
  std::vector<LinkEvent> links;
  ASSERT_TRUE(monitor.Start({.on_link = [&](const LinkEvent& e) { links.push_back(e); },
                             .on_address = nullptr,
                             .on_synced = nullptr}));
  ASSERT_TRUE(kernel.SetLinkUp(index, true));
  EXPECT_TRUE(links.empty());
  monitor.DeliverPending();
  ASSERT_EQ(links.size(), 3u);  // lo, wwan1 (snapshot), wwan1 up
  EXPECT_EQ(links[2].index, index);
  EXPECT_TRUE(links[2].admin_up);
}

}  // namespace
}  // namespace uplinkd::net
