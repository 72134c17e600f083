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

// Removals while the kernel drops events: hundreds of addresses and a few dozen links go away
// while nobody reads the tiny socket. After the resync the monitor's picture (what its events
// said) must equal the kernel's: what went away is reported as removed (mark and sweep).
TEST(NetlinkMonitorKernelTest, RemovalsLostInAnOverflowAreReportedAfterTheResync) {
  auto harness = MakeKernelMonitorHarness({.receive_buffer_bytes = 4096});
  if (!harness) return;
  int wan = harness->CreateLink("wan0");
  constexpr int kAddresses = 300;
  constexpr int kLinks = 20;
  for (int i = 0; i < kAddresses; ++i) {
    std::string text = "100.65." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "/32";
    ASSERT_TRUE(harness->edge().AddAddress({.link_index = wan, .prefix = *IpPrefix::Parse(text)}));
  }
  std::string script;
  for (int i = 0; i < kLinks; ++i) script += "link add x" + std::to_string(i) + " type veth peer name x" + std::to_string(i) + "p\n";
  ASSERT_EQ(lab::RunCommand("printf '" + script + "' | ip -batch -"), 0);

  std::map<int, std::string> links;                  // what the events say
  std::set<std::pair<int, std::string>> addresses;  // (link, prefix)
  int synced = 0;
  ASSERT_TRUE(harness->monitor().Start(
      {.on_link =
           [&](const LinkEvent& e) {
             if (e.removed) {
               links.erase(e.index);
             } else {
               links[e.index] = e.name;
             }
           },
       .on_address =
           [&](const AddressEvent& e) {
             if (e.removed) {
               addresses.erase({e.link_index, e.prefix.ToString()});
             } else {
               addresses.insert({e.link_index, e.prefix.ToString()});
             }
           },
       .on_synced = [&] { ++synced; }}));
  auto run_until = [&](const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      harness->io().restart();
      harness->io().run_one_for(std::chrono::milliseconds(200));
    }
    return done();
  };
  ASSERT_TRUE(run_until([&] { return synced == 1; }));
  ASSERT_EQ(links.size(), static_cast<size_t>(3 + 2 * kLinks));  // lo, wan0, wan0p and the pairs
  ASSERT_GE(addresses.size(), static_cast<size_t>(kAddresses));

  // While nobody reads: every address goes, and the extra links, then one address is added, so
  // the resync also has something new to report.
  for (int i = 0; i < kAddresses; ++i) {
    std::string text = "100.65." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + "/32";
    ASSERT_TRUE(harness->edge().RemoveAddress({.link_index = wan, .prefix = *IpPrefix::Parse(text)}));
  }
  script.clear();
  for (int i = 0; i < kLinks; ++i) script += "link del x" + std::to_string(i) + "\n";
  ASSERT_EQ(lab::RunCommand("printf '" + script + "' | ip -batch -"), 0);
  ASSERT_TRUE(harness->edge().AddAddress({.link_index = wan, .prefix = *IpPrefix::Parse("100.66.0.1/32")}));

  // The kernel's picture, read independently of the monitor.
  auto kernel_state = [&] {
    std::map<int, std::string> kernel_links;
    std::set<std::pair<int, std::string>> kernel_addresses;
    auto listed = harness->edge().ListLinks();
    EXPECT_TRUE(listed);
    if (!listed) return std::make_pair(kernel_links, kernel_addresses);
    for (const auto& link : *listed) {
      kernel_links[link.index] = link.name;
      if (auto on_link = harness->edge().ListAddresses(link.index)) {
        for (const auto& address : *on_link) kernel_addresses.insert({link.index, address.prefix.ToString()});
      }
    }
    return std::make_pair(kernel_links, kernel_addresses);
  };
  auto [kernel_links, kernel_addresses] = kernel_state();
  ASSERT_EQ(kernel_links.size(), 3u);
  ASSERT_TRUE(run_until([&] { return synced >= 2 && links == kernel_links && addresses == kernel_addresses; }))
      << "links seen " << links.size() << " (kernel " << kernel_links.size() << "), addresses seen "
      << addresses.size() << " (kernel " << kernel_addresses.size() << "), synced " << synced << ", resyncs "
      << harness->libnl_monitor().resync_count();
  EXPECT_GE(harness->libnl_monitor().resync_count(), 1);
  EXPECT_TRUE(addresses.count({wan, "100.66.0.1/32"}));
  std::printf("overflow with removals: %d addresses and %d veth pairs removed, %d resyncs; final picture = kernel's "
              "(%zu links, %zu addresses)\n",
              kAddresses, kLinks, harness->libnl_monitor().resync_count(), links.size(), addresses.size());
}

}  // namespace
}  // namespace uplinkd::net
