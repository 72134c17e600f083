#include "tests/unit/vpn/tunnel_edge_contract.h"

#include <gmock/gmock.h>

#include <algorithm>
#include <set>

namespace uplinkd::vpn {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

bool RunUntil(boost::asio::io_context& io, const bool& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  io.restart();
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.run_one_for(std::chrono::milliseconds(50));
    io.restart();
  }
  return done;
}

void TunnelEdgeContractTest::SetUp() {
  harness_ = GetParam().make();
  if (!harness_ && !IsSkipped()) FAIL() << "harness could not be made";
}

void TunnelEdgeContractTest::TearDown() {
  if (!harness_) return;
  for (const auto& name : made_) (void)Remove(name);
}

namespace {

template <typename T, typename Start>
Result<T> Await(boost::asio::io_context& io, Start start) {
  bool done = false;
  std::optional<Result<T>> result;
  start([&](Result<T> value) {
    result = std::move(value);
    done = true;
  });
  if (!RunUntil(io, done)) return MakeError(ErrorCode::kTimeout, "the edge did not answer in 10 s");
  return std::move(*result);
}

}  // namespace

Result<void> TunnelEdgeContractTest::Create(const std::string& name) {
  return Await<void>(harness_->io(), [&](auto done) { edge().CreateInterface(name, done); });
}
Result<void> TunnelEdgeContractTest::Remove(const std::string& name) {
  return Await<void>(harness_->io(), [&](auto done) { edge().RemoveInterface(name, done); });
}
Result<void> TunnelEdgeContractTest::Set(const std::string& name, const TunnelDeviceConfig& config, PeerSetMode mode) {
  return Await<void>(harness_->io(), [&](auto done) { edge().SetDevice(name, config, mode, done); });
}
Result<TunnelDeviceState> TunnelEdgeContractTest::Get(const std::string& name) {
  return Await<TunnelDeviceState>(harness_->io(), [&](auto done) { edge().GetDevice(name, done); });
}
Result<void> TunnelEdgeContractTest::SetEndpoint(const std::string& name, const WireguardKey& peer,
                                                 const TunnelEndpoint& endpoint) {
  return Await<void>(harness_->io(), [&](auto done) { edge().SetPeerEndpoint(name, peer, endpoint, done); });
}

std::string TunnelEdgeContractTest::MakeInterface() {
  std::string name = harness_->NewInterfaceName();
  auto created = Create(name);
  EXPECT_TRUE(created) << name << ": " << Describe(created.error());
  if (created) made_.push_back(name);
  return name;
}

namespace {

#define ASSERT_OK(expression)                                                  \
  do {                                                                         \
    auto result_ = (expression);                                               \
    ASSERT_TRUE(result_) << #expression << ": " << Describe(result_.error()); \
  } while (0)

#define EXPECT_ERROR_CODE(expression, expected_code)                              \
  do {                                                                            \
    auto result_ = (expression);                                                  \
    EXPECT_FALSE(result_) << #expression << " succeeded";                         \
    if (!result_) {                                                               \
      EXPECT_EQ(result_.error().code, expected_code) << Describe(result_.error()); \
    }                                                                             \
  } while (0)

net::IpPrefix P(const char* text) { return *net::IpPrefix::Parse(text); }
TunnelEndpoint E(const char* text) { return *TunnelEndpoint::Parse(text); }

// Distinct, valid keys without a random source: the contract must be reproducible.
WireguardKey Key(uint8_t seed) {
  std::array<uint8_t, 32> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(seed * 7 + i * 13 + 1);
  bytes[0] &= 248;
  bytes[31] = static_cast<uint8_t>((bytes[31] & 127) | 64);
  return WireguardKey(bytes);
}
WireguardKey PublicOf(uint8_t seed) { return *Key(seed).DerivePublic(); }

std::set<std::string> KeysOf(const TunnelDeviceState& state) {
  std::set<std::string> keys;
  for (const auto& peer : state.peers) keys.insert(peer.public_key.ToBase64());
  return keys;
}

TunnelPeerConfig Peer(uint8_t seed, std::vector<net::IpPrefix> allowed) {
  TunnelPeerConfig peer;
  peer.public_key = PublicOf(seed);
  peer.allowed_ips = std::move(allowed);
  return peer;
}

TEST_P(TunnelEdgeContractTest, CreatedInterfaceIsEmptyAndRemovable) {
  std::string name = MakeInterface();
  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_EQ(state->interface_name, name);
  EXPECT_FALSE(state->public_key);
  EXPECT_EQ(state->fwmark, 0u);
  EXPECT_THAT(state->peers, IsEmpty());
  EXPECT_ERROR_CODE(Create(name), ErrorCode::kAlreadyExists);

  ASSERT_OK(Remove(name));
  made_.clear();
  EXPECT_ERROR_CODE(Get(name), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(Remove(name), ErrorCode::kNotFound);
}

TEST_P(TunnelEdgeContractTest, MissingInterfaceIsNotFound) {
  std::string name = harness_->NewInterfaceName();
  EXPECT_ERROR_CODE(Get(name), ErrorCode::kNotFound);
  TunnelDeviceConfig config;
  config.fwmark = 7;
  EXPECT_ERROR_CODE(Set(name, config, PeerSetMode::kUpdate), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(SetEndpoint(name, PublicOf(1), E("192.0.2.1:51820")), ErrorCode::kNotFound);
  EXPECT_ERROR_CODE(Create("bad/name"), ErrorCode::kInvalidArgument);
  EXPECT_ERROR_CODE(Create("much-too-long-name"), ErrorCode::kInvalidArgument);
}

TEST_P(TunnelEdgeContractTest, DeviceAndPeersReadBackAsSet) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.private_key = Key(1);
  config.listen_port = 51821;
  config.fwmark = 0x100;
  TunnelPeerConfig hub = Peer(2, {P("10.99.0.1/32"), P("198.51.100.77/24")});  // host bits are dropped
  hub.preshared_key = Key(9);
  hub.endpoint = E("203.0.113.10:51820");
  hub.persistent_keepalive_s = 25;
  TunnelPeerConfig v6 = Peer(3, {P("2001:db8:1::/48"), P("fd00::1/128")});
  v6.endpoint = E("[2001:db8::10]:4500");
  config.peers = {hub, v6};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));

  auto state = Get(name);
  ASSERT_OK(state);
  ASSERT_TRUE(state->public_key);
  EXPECT_EQ(state->public_key->ToBase64(), PublicOf(1).ToBase64());
  EXPECT_EQ(state->listen_port, 51821);
  EXPECT_EQ(state->fwmark, 0x100u);
  ASSERT_EQ(state->peers.size(), 2u);
  const TunnelPeerState* read_hub = state->FindPeer(PublicOf(2));
  ASSERT_NE(read_hub, nullptr);
  EXPECT_TRUE(read_hub->has_preshared_key);
  EXPECT_EQ(read_hub->endpoint, E("203.0.113.10:51820"));
  EXPECT_EQ(read_hub->persistent_keepalive_s, 25);
  EXPECT_THAT(read_hub->allowed_ips, UnorderedElementsAre(P("10.99.0.1/32"), P("198.51.100.0/24")));
  EXPECT_EQ(read_hub->rx_bytes, 0u);
  EXPECT_EQ(read_hub->tx_bytes, 0u);
  EXPECT_FALSE(read_hub->last_handshake);
  const TunnelPeerState* read_v6 = state->FindPeer(PublicOf(3));
  ASSERT_NE(read_v6, nullptr);
  EXPECT_FALSE(read_v6->has_preshared_key);
  EXPECT_EQ(read_v6->endpoint, E("[2001:db8::10]:4500"));
  EXPECT_EQ(read_v6->persistent_keepalive_s, 0);
  EXPECT_THAT(read_v6->allowed_ips, UnorderedElementsAre(P("2001:db8:1::/48"), P("fd00::1/128")));

  // The same set again changes nothing (allowed IPs are replaced, not added).
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  auto again = Get(name);
  ASSERT_OK(again);
  EXPECT_THAT(again->FindPeer(PublicOf(2))->allowed_ips, UnorderedElementsAre(P("10.99.0.1/32"), P("198.51.100.0/24")));
}

TEST_P(TunnelEdgeContractTest, ReplacePeersDropsTheOthers) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.peers = {Peer(2, {P("10.1.0.0/16")}), Peer(3, {P("10.2.0.0/16")})};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  config.peers = {Peer(4, {P("10.3.0.0/16")})};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_EQ(KeysOf(*state), std::set<std::string>{PublicOf(4).ToBase64()});
}

TEST_P(TunnelEdgeContractTest, UpdateAddsChangesAndRemovesListedPeersOnly) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.private_key = Key(1);
  config.fwmark = 0x200;
  TunnelPeerConfig a = Peer(2, {P("10.1.0.0/16")});
  TunnelPeerConfig b = Peer(3, {P("10.2.0.0/16")});
  b.endpoint = E("192.0.2.3:51820");
  b.persistent_keepalive_s = 15;
  config.peers = {a, b};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));

  TunnelDeviceConfig update;  // no device fields: they stay
  TunnelPeerConfig remove_a = Peer(2, {});
  remove_a.remove = true;
  TunnelPeerConfig change_b = Peer(3, {P("10.2.0.0/16"), P("10.20.0.0/16")});  // endpoint not given: kept
  change_b.persistent_keepalive_s = 0;
  TunnelPeerConfig add_c = Peer(4, {P("10.4.0.0/16")});
  update.peers = {remove_a, change_b, add_c};
  ASSERT_OK(Set(name, update, PeerSetMode::kUpdate));

  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_EQ(KeysOf(*state), (std::set<std::string>{PublicOf(3).ToBase64(), PublicOf(4).ToBase64()}));
  EXPECT_EQ(state->fwmark, 0x200u);
  ASSERT_TRUE(state->public_key);
  EXPECT_EQ(*state->public_key, PublicOf(1));
  const TunnelPeerState* read_b = state->FindPeer(PublicOf(3));
  ASSERT_NE(read_b, nullptr);
  EXPECT_EQ(read_b->endpoint, E("192.0.2.3:51820"));
  EXPECT_EQ(read_b->persistent_keepalive_s, 0);
  EXPECT_THAT(read_b->allowed_ips, UnorderedElementsAre(P("10.2.0.0/16"), P("10.20.0.0/16")));
}

TEST_P(TunnelEdgeContractTest, AnAllowedIpBelongsToOnePeer) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.peers = {Peer(2, {P("10.1.0.0/16"), P("10.9.0.0/16")})};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  TunnelDeviceConfig update;
  update.peers = {Peer(3, {P("10.9.0.0/16")})};
  ASSERT_OK(Set(name, update, PeerSetMode::kUpdate));
  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_THAT(state->FindPeer(PublicOf(2))->allowed_ips, UnorderedElementsAre(P("10.1.0.0/16")));
  EXPECT_THAT(state->FindPeer(PublicOf(3))->allowed_ips, UnorderedElementsAre(P("10.9.0.0/16")));
}

TEST_P(TunnelEdgeContractTest, PresharedKeyOfZerosRemovesIt) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  TunnelPeerConfig peer = Peer(2, {});
  peer.preshared_key = Key(5);
  config.peers = {peer};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_TRUE(state->FindPeer(PublicOf(2))->has_preshared_key);
  peer.preshared_key = WireguardKey();
  config.peers = {peer};
  ASSERT_OK(Set(name, config, PeerSetMode::kUpdate));
  state = Get(name);
  ASSERT_OK(state);
  EXPECT_FALSE(state->FindPeer(PublicOf(2))->has_preshared_key);
}

TEST_P(TunnelEdgeContractTest, SetPeerEndpointChangesOnlyTheEndpoint) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  TunnelPeerConfig hub = Peer(2, {P("10.99.0.0/24"), P("0.0.0.0/0")});
  hub.endpoint = E("203.0.113.10:51820");
  hub.persistent_keepalive_s = 25;
  hub.preshared_key = Key(7);
  config.peers = {hub};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));

  ASSERT_OK(SetEndpoint(name, PublicOf(2), E("198.51.100.20:51820")));
  auto state = Get(name);
  ASSERT_OK(state);
  const TunnelPeerState* read = state->FindPeer(PublicOf(2));
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(read->endpoint, E("198.51.100.20:51820"));
  EXPECT_EQ(read->persistent_keepalive_s, 25);
  EXPECT_TRUE(read->has_preshared_key);
  EXPECT_THAT(read->allowed_ips, UnorderedElementsAre(P("10.99.0.0/24"), P("0.0.0.0/0")));
  // The same endpoint again (the "kick" after a move) is accepted.
  ASSERT_OK(SetEndpoint(name, PublicOf(2), E("198.51.100.20:51820")));
}

TEST_P(TunnelEdgeContractTest, SetPeerEndpointNeverCreatesAPeer) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.peers = {Peer(2, {P("10.1.0.0/16")})};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  EXPECT_ERROR_CODE(SetEndpoint(name, PublicOf(3), E("192.0.2.1:51820")), ErrorCode::kNotFound);
  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_EQ(KeysOf(*state), std::set<std::string>{PublicOf(2).ToBase64()});
}

TEST_P(TunnelEdgeContractTest, InvalidConfigIsRefusedAndChangesNothing) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.fwmark = 0x300;
  config.peers = {Peer(2, {P("10.1.0.0/16")})};
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));

  TunnelDeviceConfig twice;
  twice.fwmark = 0x400;
  twice.peers = {Peer(3, {}), Peer(3, {})};
  EXPECT_ERROR_CODE(Set(name, twice, PeerSetMode::kReplacePeers), ErrorCode::kInvalidArgument);
  TunnelDeviceConfig no_key;
  no_key.peers = {TunnelPeerConfig{}};
  EXPECT_ERROR_CODE(Set(name, no_key, PeerSetMode::kUpdate), ErrorCode::kInvalidArgument);
  TunnelDeviceConfig remove_in_replace;
  TunnelPeerConfig removal = Peer(2, {});
  removal.remove = true;
  remove_in_replace.peers = {removal};
  EXPECT_ERROR_CODE(Set(name, remove_in_replace, PeerSetMode::kReplacePeers), ErrorCode::kInvalidArgument);

  auto state = Get(name);
  ASSERT_OK(state);
  EXPECT_EQ(state->fwmark, 0x300u);
  EXPECT_EQ(KeysOf(*state), std::set<std::string>{PublicOf(2).ToBase64()});
}

// Large enough that the kernel back-end must split the set over several netlink messages and
// re-assemble the dump, and that wireguard-go's reply spans many reads.
TEST_P(TunnelEdgeContractTest, ManyPeersWithManyAllowedIps) {
  std::string name = MakeInterface();
  TunnelDeviceConfig config;
  config.private_key = Key(1);
  for (int p = 0; p < 40; ++p) {
    std::vector<net::IpPrefix> allowed;
    for (int i = 0; i < 60; ++i) {
      allowed.emplace_back(net::IpAddress::V4(0x0a000000u | uint32_t(p) << 16 | uint32_t(i) << 8), 24);
    }
    TunnelPeerConfig peer = Peer(static_cast<uint8_t>(10 + p), allowed);
    peer.endpoint = TunnelEndpoint{net::IpAddress::V4(0xc0000200u | uint32_t(p)), 51820};
    config.peers.push_back(peer);
  }
  ASSERT_OK(Set(name, config, PeerSetMode::kReplacePeers));
  auto state = Get(name);
  ASSERT_OK(state);
  ASSERT_EQ(state->peers.size(), 40u);
  for (const auto& peer : config.peers) {
    const TunnelPeerState* read = state->FindPeer(peer.public_key);
    ASSERT_NE(read, nullptr);
    EXPECT_EQ(read->endpoint, peer.endpoint);
    EXPECT_THAT(read->allowed_ips, UnorderedElementsAreArray(peer.allowed_ips));
  }
}

}  // namespace
}  // namespace uplinkd::vpn
