// The kernel back-end's messages, byte for byte (and KernelTunnelEdge without a module). The
// expected bytes are written here by hand from the layout documented in linux/wireguard.h (attribute numbers and value types) and the netlink
// framing (nlmsghdr, genlmsghdr, 4-byte aligned attributes), not produced by the code under test.
#include "vpn/wireguard_genl_message.h"

#include <boost/asio/io_context.hpp>

#include "vpn/kernel_tunnel_edge.h"

#include <linux/genetlink.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/wireguard.h>

#include <cstring>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace uplinkd::vpn {
namespace {

using ::testing::ElementsAre;
using Bytes = std::vector<uint8_t>;

constexpr uint16_t kFamily = 0x1d;  // whatever id the kernel gave "wireguard": here made up

Bytes U8(uint8_t v) { return {v}; }
Bytes U16(uint16_t v) { Bytes b(2); memcpy(b.data(), &v, 2); return b; }  // host order, as netlink
Bytes U32(uint32_t v) { Bytes b(4); memcpy(b.data(), &v, 4); return b; }
Bytes U64(uint64_t v) { Bytes b(8); memcpy(b.data(), &v, 8); return b; }
Bytes Str(const char* s) { return Bytes(s, s + strlen(s) + 1); }
Bytes Fill(uint8_t v, size_t n) { return Bytes(n, v); }
Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
// struct nlattr {u16 nla_len; u16 nla_type}, payload, padding to 4.
Bytes Attr(uint16_t type, const Bytes& payload) {
  Bytes out = Cat({U16(static_cast<uint16_t>(4 + payload.size())), U16(type), payload});
  while (out.size() % 4) out.push_back(0);
  return out;
}
Bytes Nest(uint16_t type, std::initializer_list<Bytes> children) { return Attr(type | NLA_F_NESTED, Cat(children)); }
// struct nlmsghdr {u32 len; u16 type; u16 flags; u32 seq; u32 pid} + struct genlmsghdr {u8 cmd; u8 version; u16 0}.
Bytes Message(uint16_t flags, uint8_t command, const Bytes& attributes) {
  return Cat({U32(static_cast<uint32_t>(16 + 4 + attributes.size())), U16(kFamily), U16(flags), U32(0), U32(0),
              U8(command), U8(WG_GENL_VERSION), U16(0), attributes});
}
// struct sockaddr_in: family (host order), port and address (network order), 8 zero bytes.
Bytes SockaddrIn(std::initializer_list<uint8_t> address, uint16_t port) {
  return Cat({U16(AF_INET), Bytes{uint8_t(port >> 8), uint8_t(port & 0xff)}, Bytes(address), Fill(0, 8)});
}
// struct sockaddr_in6: family, port, flowinfo 0, 16 address bytes, scope id 0.
Bytes SockaddrIn6(const Bytes& address, uint16_t port) {
  return Cat({U16(AF_INET6), Bytes{uint8_t(port >> 8), uint8_t(port & 0xff)}, U32(0), address, U32(0)});
}
Bytes AllowedIp4(std::initializer_list<uint8_t> address, uint8_t cidr) {
  return Nest(0, {Attr(WGALLOWEDIP_A_FAMILY, U16(AF_INET)), Attr(WGALLOWEDIP_A_IPADDR, Bytes(address)),
                  Attr(WGALLOWEDIP_A_CIDR_MASK, U8(cidr))});
}

WireguardKey Filled(uint8_t value) {
  std::array<uint8_t, 32> bytes{};
  bytes.fill(value);
  return WireguardKey(bytes);
}
net::IpPrefix P(const char* text) { return *net::IpPrefix::Parse(text); }

TEST(WireguardGenlMessageTest, GetDeviceIsADumpByName) {
  auto message = genl::BuildGetDevice(kFamily, "wg0");
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, Message(NLM_F_REQUEST | NLM_F_DUMP, WG_CMD_GET_DEVICE, Attr(WGDEVICE_A_IFNAME, Str("wg0"))));
}

TEST(WireguardGenlMessageTest, SetDeviceWithEveryField) {
  TunnelDeviceConfig config;
  config.private_key = Filled(0xa1);
  config.listen_port = 51820;
  config.fwmark = 0x100;
  TunnelPeerConfig peer;
  peer.public_key = Filled(0xb2);
  peer.preshared_key = Filled(0xc3);
  peer.endpoint = TunnelEndpoint::Parse("203.0.113.10:51820");
  peer.persistent_keepalive_s = 25;
  peer.allowed_ips = {P("10.99.0.9/24")};  // sent in network form
  config.peers = {peer};
  auto messages = genl::BuildSetDevice(kFamily, "wg0", config, PeerSetMode::kReplacePeers);
  ASSERT_TRUE(messages) << Describe(messages.error());
  Bytes expected = Message(
      NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
      Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")), Attr(WGDEVICE_A_FLAGS, U32(WGDEVICE_F_REPLACE_PEERS)),
           Attr(WGDEVICE_A_PRIVATE_KEY, Fill(0xa1, 32)), Attr(WGDEVICE_A_LISTEN_PORT, U16(51820)),
           Attr(WGDEVICE_A_FWMARK, U32(0x100)),
           Nest(WGDEVICE_A_PEERS,
                {Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0xb2, 32)), Attr(WGPEER_A_FLAGS, U32(WGPEER_F_REPLACE_ALLOWEDIPS)),
                          Attr(WGPEER_A_PRESHARED_KEY, Fill(0xc3, 32)),
                          Attr(WGPEER_A_ENDPOINT, SockaddrIn({203, 0, 113, 10}, 51820)),
                          Attr(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, U16(25)),
                          Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({10, 99, 0, 0}, 24)})})})}));
  EXPECT_THAT(*messages, ElementsAre(expected));
  genl::Wipe(*messages);
  EXPECT_TRUE(messages->empty());
}

TEST(WireguardGenlMessageTest, UpdateSendsOnlyWhatIsGivenAndFlagsRemovals) {
  TunnelDeviceConfig config;
  TunnelPeerConfig gone;
  gone.public_key = Filled(0x01);
  gone.remove = true;
  TunnelPeerConfig bare;
  bare.public_key = Filled(0x02);
  config.peers = {gone, bare};
  auto messages = genl::BuildSetDevice(kFamily, "wg-data", config, PeerSetMode::kUpdate);
  ASSERT_TRUE(messages);
  EXPECT_THAT(*messages,
              ElementsAre(Message(NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
                                  Cat({Attr(WGDEVICE_A_IFNAME, Str("wg-data")),
                                       Nest(WGDEVICE_A_PEERS,
                                            {Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x01, 32)),
                                                      Attr(WGPEER_A_FLAGS, U32(WGPEER_F_REMOVE_ME))}),
                                             Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x02, 32)),
                                                      Attr(WGPEER_A_FLAGS, U32(WGPEER_F_REPLACE_ALLOWEDIPS))})})}))));
}

TEST(WireguardGenlMessageTest, EndpointMoveIsUpdateOnlyAndLeavesAllowedIpsAlone) {
  Bytes v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
  auto message = genl::BuildSetEndpoint(kFamily, "wg0", Filled(0x07), *TunnelEndpoint::Parse("[2001:db8::10]:4500"));
  ASSERT_TRUE(message);
  EXPECT_EQ(*message, Message(NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
                              Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")),
                                   Nest(WGDEVICE_A_PEERS, {Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x07, 32)),
                                                                    Attr(WGPEER_A_FLAGS, U32(WGPEER_F_UPDATE_ONLY)),
                                                                    Attr(WGPEER_A_ENDPOINT, SockaddrIn6(v6, 4500))})})})));
}

// 200-byte messages: 20 of headers, 8 for "wg0", 4 + 4 for the PEERS and peer nests, 36 for the
// public key, 8 for the flags, 4 for ALLOWEDIPS leave room for 4 allowed IPs of 28 bytes (196).
// The continuation repeats only IFNAME and the public key (76 bytes), then the last 2 IPs.
TEST(WireguardGenlMessageTest, AllowedIpsSpillIntoAContinuationWithoutFlags) {
  TunnelDeviceConfig config;
  TunnelPeerConfig peer;
  peer.public_key = Filled(0x05);
  for (uint8_t i = 1; i <= 6; ++i) peer.allowed_ips.emplace_back(net::IpAddress::V4(0x0a000000u | i << 8), 24);
  config.peers = {peer};
  auto messages = genl::BuildSetDevice(kFamily, "wg0", config, PeerSetMode::kUpdate, 200);
  ASSERT_TRUE(messages) << Describe(messages.error());
  Bytes first = Message(
      NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
      Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")),
           Nest(WGDEVICE_A_PEERS, {Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x05, 32)),
                                            Attr(WGPEER_A_FLAGS, U32(WGPEER_F_REPLACE_ALLOWEDIPS)),
                                            Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({10, 0, 1, 0}, 24), AllowedIp4({10, 0, 2, 0}, 24),
                                                                       AllowedIp4({10, 0, 3, 0}, 24), AllowedIp4({10, 0, 4, 0}, 24)})})})}));
  Bytes second = Message(
      NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
      Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")),
           Nest(WGDEVICE_A_PEERS, {Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x05, 32)),
                                            Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({10, 0, 5, 0}, 24),
                                                                       AllowedIp4({10, 0, 6, 0}, 24)})})})}));
  EXPECT_EQ(first.size(), 196u);
  EXPECT_THAT(*messages, ElementsAre(first, second));
}

// REPLACE_PEERS and the device fields go in the first message only; a peer that does not fit
// whole is moved to the next message whole (its flags are never sent twice).
TEST(WireguardGenlMessageTest, PeersSpillIntoTheNextMessageWithTheDeviceFieldsOnlyInTheFirst) {
  TunnelDeviceConfig config;
  config.fwmark = 7;
  TunnelPeerConfig a, b;
  a.public_key = Filled(0x0a);
  a.persistent_keepalive_s = 5;
  b.public_key = Filled(0x0b);
  b.persistent_keepalive_s = 6;
  config.peers = {a, b};
  auto peer = [](uint8_t key, uint16_t keepalive) {
    return Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(key, 32)), Attr(WGPEER_A_FLAGS, U32(WGPEER_F_REPLACE_ALLOWEDIPS)),
                    Attr(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, U16(keepalive))});
  };
  // first: 20 + 8 + 8 (flags) + 8 (fwmark) + 4 + 56 (one peer) = 104; a second peer needs 56 more.
  auto messages = genl::BuildSetDevice(kFamily, "wg0", config, PeerSetMode::kReplacePeers, 150);
  ASSERT_TRUE(messages) << Describe(messages.error());
  Bytes first = Message(NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
                        Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")), Attr(WGDEVICE_A_FLAGS, U32(WGDEVICE_F_REPLACE_PEERS)),
                             Attr(WGDEVICE_A_FWMARK, U32(7)), Nest(WGDEVICE_A_PEERS, {peer(0x0a, 5)})}));
  Bytes second = Message(NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
                         Cat({Attr(WGDEVICE_A_IFNAME, Str("wg0")), Nest(WGDEVICE_A_PEERS, {peer(0x0b, 6)})}));
  EXPECT_THAT(*messages, ElementsAre(first, second));
}

TEST(WireguardGenlMessageTest, ASetThatCannotFitIsRefused) {
  TunnelDeviceConfig config;
  TunnelPeerConfig peer;
  peer.public_key = Filled(0x05);
  config.peers = {peer};
  auto messages = genl::BuildSetDevice(kFamily, "wg0", config, PeerSetMode::kUpdate, 60);
  ASSERT_FALSE(messages);
  EXPECT_EQ(messages.error().code, ErrorCode::kInvalidArgument);
  TunnelDeviceConfig twice;
  twice.peers = {peer, peer};
  EXPECT_FALSE(genl::BuildSetDevice(kFamily, "wg0", twice, PeerSetMode::kUpdate));
  EXPECT_FALSE(genl::BuildGetDevice(kFamily, "sixteen-chars-xx"));
}

// A dump as the kernel sends it: the device in the first message, a peer whose allowed IPs go on
// in the next message (public key and ALLOWEDIPS only), then another peer.
Bytes DumpPart(const Bytes& peers, bool with_device, uint16_t extra_flags = 0) {
  Bytes device = with_device ? Cat({Attr(WGDEVICE_A_PRIVATE_KEY, Fill(0x77, 32)), Attr(WGDEVICE_A_PUBLIC_KEY, Fill(0x88, 32)),
                                    Attr(WGDEVICE_A_LISTEN_PORT, U16(51820)), Attr(WGDEVICE_A_FWMARK, U32(0x100))})
                             : Bytes{};
  return Message(NLM_F_MULTI | extra_flags, WG_CMD_GET_DEVICE,
                 Cat({Attr(WGDEVICE_A_IFINDEX, U32(5)), Attr(WGDEVICE_A_IFNAME, Str("wg0")), device,
                      Attr(WGDEVICE_A_PEERS | NLA_F_NESTED, peers)}));
}

TEST(WireguardGenlMessageTest, ParsesADumpAndJoinsAPeerSplitAcrossMessages) {
  Bytes hub_head = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32)), Attr(WGPEER_A_PRESHARED_KEY, Fill(0x22, 32)),
                            Attr(WGPEER_A_ENDPOINT, SockaddrIn({198, 51, 100, 7}, 4500)),
                            Attr(WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, U16(25)),
                            Attr(WGPEER_A_LAST_HANDSHAKE_TIME, Cat({U64(1700000000), U64(250)})),
                            Attr(WGPEER_A_RX_BYTES, U64(5678)), Attr(WGPEER_A_TX_BYTES, U64(1234)),
                            Attr(WGPEER_A_PROTOCOL_VERSION, U32(1)),
                            Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({10, 99, 0, 0}, 24)})});
  Bytes hub_rest = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32)),
                            Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({0, 0, 0, 0}, 0)})});
  Bytes other = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x33, 32)), Attr(WGPEER_A_PRESHARED_KEY, Fill(0, 32)),
                         Attr(WGPEER_A_LAST_HANDSHAKE_TIME, Cat({U64(0), U64(0)})),
                         Attr(WGPEER_A_RX_BYTES, U64(0)), Attr(WGPEER_A_TX_BYTES, U64(0))});
  auto state = genl::ParseGetDevice({DumpPart(hub_head, true), DumpPart(Cat({hub_rest, other}), false)});
  ASSERT_TRUE(state) << Describe(state.error());
  EXPECT_EQ(state->interface_name, "wg0");
  EXPECT_EQ(state->public_key, Filled(0x88));
  EXPECT_EQ(state->listen_port, 51820);
  EXPECT_EQ(state->fwmark, 0x100u);
  ASSERT_EQ(state->peers.size(), 2u);
  const auto& hub = state->peers[0];
  EXPECT_EQ(hub.public_key, Filled(0x11));
  EXPECT_TRUE(hub.has_preshared_key);
  EXPECT_EQ(hub.endpoint, TunnelEndpoint::Parse("198.51.100.7:4500"));
  EXPECT_EQ(hub.persistent_keepalive_s, 25);
  EXPECT_EQ(hub.rx_bytes, 5678u);
  EXPECT_EQ(hub.tx_bytes, 1234u);
  ASSERT_TRUE(hub.last_handshake);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::nanoseconds>(hub.last_handshake->time_since_epoch()).count(),
            1700000000LL * 1000000000LL + 250);
  EXPECT_THAT(hub.allowed_ips, ElementsAre(P("10.99.0.0/24"), P("0.0.0.0/0")));
  EXPECT_EQ(state->peers[1].public_key, Filled(0x33));
  EXPECT_FALSE(state->peers[1].has_preshared_key);
  EXPECT_FALSE(state->peers[1].last_handshake);
  EXPECT_FALSE(state->peers[1].endpoint);
}

TEST(WireguardGenlMessageTest, AnInterruptedDumpAsksForARetry) {
  Bytes peer = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32))});
  auto state = genl::ParseGetDevice({DumpPart(peer, true, NLM_F_DUMP_INTR)});
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(state.error().errno_value, EINTR);
}

TEST(WireguardGenlMessageTest, RefusesMalformedDumps) {
  Bytes short_key = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 31))});
  EXPECT_FALSE(genl::ParseGetDevice({DumpPart(short_key, true)}));
  Bytes bad_endpoint = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32)), Attr(WGPEER_A_ENDPOINT, Fill(0, 10))});
  EXPECT_FALSE(genl::ParseGetDevice({DumpPart(bad_endpoint, true)}));
  Bytes bad_cidr = Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32)),
                            Nest(WGPEER_A_ALLOWEDIPS, {AllowedIp4({10, 0, 0, 0}, 33)})});
  EXPECT_FALSE(genl::ParseGetDevice({DumpPart(bad_cidr, true)}));
  Bytes good = DumpPart(Nest(0, {Attr(WGPEER_A_PUBLIC_KEY, Fill(0x11, 32))}), true);
  Bytes truncated(good.begin(), good.end() - 8);  // nlmsg_len now says more than there is
  EXPECT_FALSE(genl::ParseGetDevice({truncated}));
  EXPECT_FALSE(genl::ParseGetDevice({Bytes(10, 0)}));
  EXPECT_FALSE(genl::ParseGetDevice({}));
}

}  // namespace
}  // namespace uplinkd::vpn

namespace uplinkd::vpn {
namespace {

// The kernel edge's sockets open without root; what it says depends on the kernel: without
// WireGuard (our machines) a clear kUnavailable, with it kNotFound for a name that is not there.
TEST(KernelTunnelEdgeTest, AnswersCleanlyWhetherOrNotTheKernelHasWireGuard) {
  boost::asio::io_context io;
  auto edge = KernelTunnelEdge::Create(io);
  ASSERT_TRUE(edge) << Describe(edge.error());
  std::optional<Result<TunnelDeviceState>> state;
  (*edge)->GetDevice("wg-none-here", [&](Result<TunnelDeviceState> result) { state = std::move(result); });
  EXPECT_FALSE(state) << "the callback ran inside the call";
  io.run();
  ASSERT_TRUE(state);
  ASSERT_FALSE(*state);
  if (state->error().code == ErrorCode::kUnavailable) {
    EXPECT_NE(state->error().message.find("kernel WireGuard not available"), std::string::npos) << state->error().message;
  } else {
    EXPECT_EQ(state->error().code, ErrorCode::kNotFound) << Describe(state->error());
  }
}

}  // namespace
}  // namespace uplinkd::vpn
