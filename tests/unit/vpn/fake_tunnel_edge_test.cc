// The TunnelEdge contract on FakeTunnelEdge, and the fake's own hooks for the network's side.
#include "vpn/fake_tunnel_edge.h"

#include <gtest/gtest.h>

#include "tests/unit/vpn/tunnel_edge_contract.h"

namespace uplinkd::vpn {
namespace {

class FakeHarness : public TunnelEdgeHarness {
 public:
  boost::asio::io_context& io() override { return io_; }
  TunnelEdge& edge() override { return edge_; }
  std::string NewInterfaceName() override { return "wgf" + std::to_string(next_++); }

 private:
  boost::asio::io_context io_;
  FakeTunnelEdge edge_{io_};
  int next_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Fake, TunnelEdgeContractTest,
                         ::testing::Values(NamedTunnelEdgeHarnessFactory{
                             "Fake", [] { return std::unique_ptr<TunnelEdgeHarness>(new FakeHarness()); }}),
                         HarnessName);

WireguardKey Pub(uint8_t seed) {
  std::array<uint8_t, 32> bytes{};
  bytes.fill(seed);
  return WireguardKey(bytes);
}

TEST(FakeTunnelEdgeTest, CallbacksNeverRunInsideTheCall) {
  boost::asio::io_context io;
  FakeTunnelEdge edge(io);
  bool called = false;
  edge.CreateInterface("wg0", [&](Result<void> r) {
    EXPECT_TRUE(r);
    called = true;
  });
  EXPECT_FALSE(called);
  io.run();
  EXPECT_TRUE(called);
}

TEST(FakeTunnelEdgeTest, NetworkSideShowsInReadsAndKicksAreCounted) {
  boost::asio::io_context io;
  FakeTunnelEdge edge(io);
  edge.CreateInterface("wg0", [](Result<void>) {});
  TunnelDeviceConfig config;
  TunnelPeerConfig peer;
  peer.public_key = Pub(2);
  peer.endpoint = TunnelEndpoint::Parse("192.0.2.1:51820");
  config.peers = {peer};
  edge.SetDevice("wg0", config, PeerSetMode::kReplacePeers, [](Result<void> r) { EXPECT_TRUE(r); });
  io.run();
  io.restart();
  auto when = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  EXPECT_TRUE(edge.AddTraffic("wg0", Pub(2), 100, 200));
  EXPECT_TRUE(edge.CompleteHandshake("wg0", Pub(2), when));
  EXPECT_TRUE(edge.PeerRoamed("wg0", Pub(2), *TunnelEndpoint::Parse("198.51.100.9:4000")));
  EXPECT_FALSE(edge.AddTraffic("wg0", Pub(3), 1, 1));
  edge.SetPeerEndpoint("wg0", Pub(2), *TunnelEndpoint::Parse("192.0.2.1:51820"), [](Result<void> r) { EXPECT_TRUE(r); });
  std::optional<TunnelDeviceState> state;
  edge.GetDevice("wg0", [&](Result<TunnelDeviceState> s) { state = *s; });
  io.run();
  ASSERT_TRUE(state);
  ASSERT_EQ(state->peers.size(), 1u);
  EXPECT_EQ(state->peers[0].rx_bytes, 100u);
  EXPECT_EQ(state->peers[0].tx_bytes, 200u);
  EXPECT_EQ(state->peers[0].last_handshake, when);
  EXPECT_EQ(state->peers[0].endpoint, TunnelEndpoint::Parse("192.0.2.1:51820"));
  EXPECT_EQ(edge.EndpointSets("wg0", Pub(2)), 2);
}

TEST(FakeTunnelEdgeTest, FailNextFailsOneOperation) {
  boost::asio::io_context io;
  FakeTunnelEdge edge(io);
  edge.FailNext(Error{ErrorCode::kUnavailable, "broken", 0});
  std::optional<Result<void>> first, second;
  edge.CreateInterface("wg0", [&](Result<void> r) { first = r; });
  edge.CreateInterface("wg0", [&](Result<void> r) { second = r; });
  io.run();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(*second);
}

}  // namespace
}  // namespace uplinkd::vpn
