// The TunnelEdge contract on the real back-ends, as root, in network namespaces this process
// makes (label `lab`):
//  - WireguardGo: real wireguard-go processes, one per test interface;
//  - Kernel: KernelTunnelEdge where `ip link add type wireguard` works; skipped, saying so,
//    where the kernel has no WireGuard (our build machines);
// and one end-to-end check with two wireguard-go peers in two namespaces: a real handshake, then
// an endpoint re-set that moves the traffic to the other path without a new handshake.
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/kernel/lab_namespace.h"
#include "tests/unit/vpn/tunnel_edge_contract.h"
#include "vpn/kernel_tunnel_edge.h"
#include "vpn/wireguard_go_tunnel_edge.h"

namespace uplinkd::vpn {
namespace {

// wireguard-go's socket directory is shared by every namespace (and by other test runs): the
// names carry this process's id.
std::string UniqueName(const char* prefix) {
  static int next = 0;
  return fmt::format("{}{}n{}", prefix, ::getpid() % 100000, next++);
}

class WireguardGoHarness : public TunnelEdgeHarness {
 public:
  boost::asio::io_context& io() override { return io_; }
  TunnelEdge& edge() override { return edge_; }
  std::string NewInterfaceName() override { return UniqueName("wgc"); }

 private:
  boost::asio::io_context io_;
  WireguardGoTunnelEdge edge_{io_, WireguardGoTunnelEdge::Options{}};
};

std::unique_ptr<TunnelEdgeHarness> MakeWireguardGoHarness() {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  if (::access("/usr/bin/wireguard-go", X_OK) != 0) {
    [] { GTEST_SKIP() << "wireguard-go not installed (scripts/install-deps.sh): skipped"; }();
    return nullptr;
  }
  return std::make_unique<WireguardGoHarness>();
}

class KernelHarness : public TunnelEdgeHarness {
 public:
  static Result<std::unique_ptr<KernelHarness>> Make() {
    std::unique_ptr<KernelHarness> harness(new KernelHarness());
    auto edge = KernelTunnelEdge::Create(harness->io_);  // it posts onto the harness's loop
    if (!edge) return tl::unexpected(edge.error());
    harness->edge_ = std::move(*edge);
    return harness;
  }
  boost::asio::io_context& io() override { return io_; }
  TunnelEdge& edge() override { return *edge_; }
  std::string NewInterfaceName() override { return UniqueName("wgk"); }

 private:
  KernelHarness() = default;
  boost::asio::io_context io_;
  std::unique_ptr<KernelTunnelEdge> edge_;
};

std::unique_ptr<TunnelEdgeHarness> MakeKernelHarness() {
  if (!lab::EnterFreshNetworkNamespace()) {
    [] { GTEST_SKIP() << lab::LabUnavailableReason(); }();
    return nullptr;
  }
  std::string output;
  if (lab::RunCommand("ip link add wgprobe type wireguard 2>&1", &output) != 0) {
    while (!output.empty() && output.back() == '\n') output.pop_back();
    [&] { GTEST_SKIP() << "kernel WireGuard not available: skipped (ip link add type wireguard: " << output << ")"; }();
    return nullptr;
  }
  lab::RunCommand("ip link del wgprobe");
  auto harness = KernelHarness::Make();
  EXPECT_TRUE(harness) << Describe(harness.error());
  if (!harness) return nullptr;
  return std::move(*harness);
}

INSTANTIATE_TEST_SUITE_P(Lab, TunnelEdgeContractTest,
                         ::testing::Values(NamedTunnelEdgeHarnessFactory{"WireguardGo", MakeWireguardGoHarness},
                                           NamedTunnelEdgeHarnessFactory{"Kernel", MakeKernelHarness}),
                         HarnessName);


// Two wireguard-go peers: A in this process's namespace, B in a named namespace made here,
// joined by two veth paths. Path 1: 198.51.100.0/30, path 2: 203.0.113.0/30; tunnel 10.77.0.0/24.
class WireguardGoPairTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!lab::EnterFreshNetworkNamespace()) GTEST_SKIP() << lab::LabUnavailableReason();
    if (::access("/usr/bin/wireguard-go", X_OK) != 0 || ::access("/usr/bin/ping", X_OK) != 0) {
      GTEST_SKIP() << "wireguard-go or ping not installed (scripts/install-deps.sh): skipped";
    }
    netns_b_ = fmt::format("uplinkd-vpnlab-{}", ::getpid());
    ASSERT_EQ(lab::RunCommand("ip netns add " + netns_b_), 0);
    made_netns_ = true;
    const std::string b = "ip -n " + netns_b_ + " ";
    for (const std::string& command :
         {std::string("ip link set lo up"), b + "link set lo up",
          "ip link add va1 type veth peer name vb1 netns " + netns_b_,
          "ip link add va2 type veth peer name vb2 netns " + netns_b_,
          std::string("ip addr add 198.51.100.1/30 dev va1"), std::string("ip addr add 203.0.113.1/30 dev va2"),
          b + "addr add 198.51.100.2/30 dev vb1", b + "addr add 203.0.113.2/30 dev vb2",
          std::string("ip link set va1 up"), std::string("ip link set va2 up"), b + "link set vb1 up",
          b + "link set vb2 up"}) {
      ASSERT_EQ(lab::RunCommand(command), 0) << command;
    }
    WireguardGoTunnelEdge::Options options_b;
    options_b.launcher = {"/usr/sbin/ip", "netns", "exec", netns_b_};
    edge_a_ = std::make_unique<WireguardGoTunnelEdge>(io_, WireguardGoTunnelEdge::Options{});
    edge_b_ = std::make_unique<WireguardGoTunnelEdge>(io_, options_b);
  }
  void TearDown() override {
    edge_a_.reset();  // kills both wireguard-go processes; their TUN devices go with them
    edge_b_.reset();
    if (made_netns_) lab::RunCommand("ip netns del " + netns_b_);
  }

  template <typename T, typename Start>
  Result<T> Await(Start start) {
    bool done = false;
    std::optional<Result<T>> result;
    start([&](Result<T> value) {
      result = std::move(value);
      done = true;
    });
    if (!RunUntil(io_, done)) return MakeError(ErrorCode::kTimeout, "test: no answer in 10 s");
    return std::move(*result);
  }
  // One ping through the tunnel, each bounded by ping's own deadline; a few tries because the
  // first packet may wait for the handshake.
  bool PingThroughTunnel() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (lab::RunCommand("ping -n -q -c 1 -W 3 10.77.0.2 >/dev/null 2>&1") == 0) return true;
    }
    return false;
  }
  // From /proc/self/net/dev, which shows this process's namespace (/sys would show the one
  // sysfs was mounted in).
  static uint64_t TxPackets(const std::string& link) {
    std::ifstream file("/proc/self/net/dev");
    std::string line;
    while (std::getline(file, line)) {
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      name.erase(0, name.find_first_not_of(' '));
      if (name != link) continue;
      std::istringstream fields(line.substr(colon + 1));
      uint64_t value = 0;
      for (int i = 0; i < 10; ++i) fields >> value;  // 8 receive fields, tx bytes, tx packets
      return value;
    }
    ADD_FAILURE() << "no link " << link << " in /proc/self/net/dev";
    return 0;
  }

  boost::asio::io_context io_;
  std::string netns_b_;
  bool made_netns_ = false;
  std::unique_ptr<WireguardGoTunnelEdge> edge_a_, edge_b_;
};

TEST_F(WireguardGoPairTest, HandshakeThenEndpointMoveWithoutANewHandshake) {
  const std::string if_a = UniqueName("wga"), if_b = UniqueName("wgb");
  auto key_a = WireguardKey::GeneratePrivate(), key_b = WireguardKey::GeneratePrivate();
  ASSERT_TRUE(key_a && key_b);
  WireguardKey pub_a = *key_a->DerivePublic(), pub_b = *key_b->DerivePublic();

  ASSERT_TRUE(Await<void>([&](auto done) { edge_a_->CreateInterface(if_a, done); }));
  ASSERT_TRUE(Await<void>([&](auto done) { edge_b_->CreateInterface(if_b, done); }));
  TunnelDeviceConfig a;
  a.private_key = *key_a;
  a.listen_port = 51001;
  TunnelPeerConfig to_b;
  to_b.public_key = pub_b;
  to_b.endpoint = TunnelEndpoint::Parse("198.51.100.2:51002");
  to_b.allowed_ips = {*net::IpPrefix::Parse("10.77.0.2/32")};
  a.peers = {to_b};
  TunnelDeviceConfig b;
  b.private_key = *key_b;
  b.listen_port = 51002;
  TunnelPeerConfig to_a;  // no endpoint: B learns A's from the first authenticated packet
  to_a.public_key = pub_a;
  to_a.allowed_ips = {*net::IpPrefix::Parse("10.77.0.1/32")};
  b.peers = {to_a};
  auto set_a = Await<void>([&](auto done) { edge_a_->SetDevice(if_a, a, PeerSetMode::kReplacePeers, done); });
  ASSERT_TRUE(set_a) << Describe(set_a.error());
  auto set_b = Await<void>([&](auto done) { edge_b_->SetDevice(if_b, b, PeerSetMode::kReplacePeers, done); });
  ASSERT_TRUE(set_b) << Describe(set_b.error());
  const std::string in_b = "ip -n " + netns_b_ + " ";
  for (const std::string& command : {"ip addr add 10.77.0.1/24 dev " + if_a, "ip link set " + if_a + " up",
                                     in_b + "addr add 10.77.0.2/24 dev " + if_b, in_b + "link set " + if_b + " up"}) {
    ASSERT_EQ(lab::RunCommand(command), 0) << command;
  }

  // 1. A real handshake over path 1.
  ASSERT_TRUE(PingThroughTunnel()) << "no ping through the tunnel over path 1";
  auto before_a = Await<TunnelDeviceState>([&](auto done) { edge_a_->GetDevice(if_a, done); });
  auto before_b = Await<TunnelDeviceState>([&](auto done) { edge_b_->GetDevice(if_b, done); });
  ASSERT_TRUE(before_a && before_b);
  const TunnelPeerState* a_sees_b = before_a->FindPeer(pub_b);
  const TunnelPeerState* b_sees_a = before_b->FindPeer(pub_a);
  ASSERT_TRUE(a_sees_b && b_sees_a);
  ASSERT_TRUE(a_sees_b->last_handshake) << "no handshake recorded";
  ASSERT_TRUE(b_sees_a->last_handshake);
  EXPECT_GT(a_sees_b->rx_bytes, 0u);
  EXPECT_GT(a_sees_b->tx_bytes, 0u);
  EXPECT_EQ(b_sees_a->endpoint, TunnelEndpoint::Parse("198.51.100.1:51001"));
  EXPECT_EQ(before_a->public_key, pub_a);
  EXPECT_EQ(before_a->listen_port, 51001);

  // 2. Path 1 dies; the endpoint is re-set to B's path-2 address. That drops A's sticky source
  // (an address on path 1), so the next packet leaves on path 2, and B roams to A's new source.
  ASSERT_EQ(lab::RunCommand(in_b + "link set vb1 down"), 0);
  uint64_t path2_before = TxPackets("va2");
  auto moved = Await<void>([&](auto done) {
    edge_a_->SetPeerEndpoint(if_a, pub_b, *TunnelEndpoint::Parse("203.0.113.2:51002"), done);
  });
  ASSERT_TRUE(moved) << Describe(moved.error());
  ASSERT_TRUE(PingThroughTunnel()) << "no ping through the tunnel after the move to path 2";

  auto after_a = Await<TunnelDeviceState>([&](auto done) { edge_a_->GetDevice(if_a, done); });
  auto after_b = Await<TunnelDeviceState>([&](auto done) { edge_b_->GetDevice(if_b, done); });
  ASSERT_TRUE(after_a && after_b);
  const TunnelPeerState* a_sees_b_after = after_a->FindPeer(pub_b);
  const TunnelPeerState* b_sees_a_after = after_b->FindPeer(pub_a);
  ASSERT_TRUE(a_sees_b_after && b_sees_a_after);
  EXPECT_EQ(a_sees_b_after->endpoint, TunnelEndpoint::Parse("203.0.113.2:51002"));
  EXPECT_EQ(b_sees_a_after->endpoint, TunnelEndpoint::Parse("203.0.113.1:51001")) << "B did not roam to path 2";
  EXPECT_GT(TxPackets("va2"), path2_before) << "nothing left on path 2";
  EXPECT_GT(a_sees_b_after->rx_bytes, a_sees_b->rx_bytes);
  // The same session: neither side made a new handshake.
  EXPECT_EQ(a_sees_b_after->last_handshake, a_sees_b->last_handshake);
  EXPECT_EQ(b_sees_a_after->last_handshake, b_sees_a->last_handshake);
}

}  // namespace
}  // namespace uplinkd::vpn
