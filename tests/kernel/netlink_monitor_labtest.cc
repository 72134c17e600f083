// The NetlinkMonitor contract on the real kernel (LibnlNetlinkMonitor on an io_context), and its
// recovery when the kernel drops events.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "net/libnl_netlink_monitor.h"
#include "net/libnl_routing_edge.h"
#include "tests/kernel/lab_namespace.h"
#include "tests/unit/net/netlink_monitor_contract.h"

namespace uplinkd::net {
namespace {

class KernelNetlinkMonitorHarness : public NetlinkMonitorHarness {
 public:
  KernelNetlinkMonitorHarness(std::unique_ptr<LibnlRoutingEdge> edge, LibnlNetlinkMonitor::Options options)
      : edge_(std::move(edge)), monitor_(io_, options) {}
  boost::asio::io_context& io() override { return io_; }
  NetlinkMonitor& monitor() override { return monitor_; }
  LibnlNetlinkMonitor& libnl_monitor() { return monitor_; }
  RoutingEdge& edge() override { return *edge_; }

  int CreateLink(const std::string& name) override {
    EXPECT_EQ(lab::RunCommand("ip link add " + name + " type veth peer name " + name + "p"), 0);
    auto link = edge_->GetLink(name);
    auto peer = edge_->GetLink(name + "p");
    EXPECT_TRUE(link && peer);
    if (!link || !peer) return 0;
    peers_[link->index] = peer->index;
    names_[link->index] = name;
    return link->index;
  }
  void SetCarrier(int link_index, bool carrier) override {
    EXPECT_TRUE(edge_->SetLinkUp(peers_.at(link_index), carrier));
  }
  void RemoveLink(int link_index) override {
    // Deleting one end of a veth pair deletes both.
    EXPECT_EQ(lab::RunCommand("ip link del " + names_.at(link_index)), 0);
  }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<LibnlRoutingEdge> edge_;
  LibnlNetlinkMonitor monitor_;
  std::map<int, int> peers_;
  std::map<int, std::string> names_;
};

std::unique_ptr<KernelNetlinkMonitorHarness> MakeKernelMonitorHarness(LibnlNetlinkMonitor::Options options = {}) {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  auto edge = LibnlRoutingEdge::Create();
  EXPECT_TRUE(edge);
  if (!edge) return nullptr;
  return std::make_unique<KernelNetlinkMonitorHarness>(std::move(*edge), options);
}

INSTANTIATE_TEST_SUITE_P(Kernel, NetlinkMonitorContractTest,
                         ::testing::Values(NamedNetlinkMonitorHarnessFactory{
                             "Libnl", []() -> std::unique_ptr<NetlinkMonitorHarness> { return MakeKernelMonitorHarness(); }}),
                         MonitorHarnessName);

// With a tiny receive buffer and a burst of changes while the loop is not reading, the kernel
// drops events; the monitor notices (ENOBUFS), dumps everything again, and ends up with the
// complete picture.
TEST(NetlinkMonitorKernelTest, ResynchronisesAfterTheKernelDropsEvents) {
  auto harness = MakeKernelMonitorHarness({.receive_buffer_bytes = 4096});
  if (!harness) return;
  int wan = harness->CreateLink("wan0");
  std::set<std::string> present;  // addresses on wan0 as the events tell it
  int synced = 0;
  ASSERT_TRUE(harness->monitor().Start({.on_link = nullptr,
                                        .on_address =
                                            [&](const AddressEvent& e) {
                                              if (e.link_index != wan) return;
                                              if (e.removed) {
                                                present.erase(e.prefix.ToString());
                                              } else {
                                                present.insert(e.prefix.ToString());
                                              }
                                            },
                                        .on_synced = [&] { ++synced; }}));
  auto run_until = [&](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      harness->io().restart();
      harness->io().run_one_for(std::chrono::milliseconds(200));
    }
    return done();
  };
  ASSERT_TRUE(run_until([&] { return synced == 1; }));

  // 300 addresses, added while nobody reads the socket.
  constexpr int kAddresses = 300;
  for (int i = 0; i < kAddresses; ++i) {
    std::string text = "100.65." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "/32";
    ASSERT_TRUE(harness->edge().AddAddress({.link_index = wan, .prefix = *IpPrefix::Parse(text)}));
  }
  ASSERT_TRUE(run_until([&] { return static_cast<int>(present.size()) == kAddresses && synced >= 2; }))
      << "addresses seen " << present.size() << ", synced " << synced << ", resyncs "
      << harness->libnl_monitor().resync_count();
  EXPECT_GE(harness->libnl_monitor().resync_count(), 1);
  std::printf("overflow: %d addresses, %d resyncs, %d snapshots\n", kAddresses,
              harness->libnl_monitor().resync_count(), synced);
}

}  // namespace
}  // namespace uplinkd::net
