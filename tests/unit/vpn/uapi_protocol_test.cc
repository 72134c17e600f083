// The wireguard-go UAPI text, built and parsed (https://www.wireguard.com/xplatform/).
#include "vpn/uapi_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace uplinkd::vpn {
namespace {

using ::testing::ElementsAre;

WireguardKey Filled(uint8_t value) {
  std::array<uint8_t, 32> bytes{};
  bytes.fill(value);
  return WireguardKey(bytes);
}
net::IpPrefix P(const char* text) { return *net::IpPrefix::Parse(text); }

// RFC 7748 Alice: private key and its public key, so the parser's derivation is checked.
constexpr const char* kPrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr const char* kPublicHex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

TEST(UapiProtocolTest, BuildsAReplacingSet) {
  TunnelDeviceConfig config;
  config.private_key = *WireguardKey::FromHex(kPrivateHex);
  config.listen_port = 51820;
  config.fwmark = 256;
  TunnelPeerConfig peer;
  peer.public_key = Filled(0x11);
  peer.preshared_key = Filled(0x22);
  peer.endpoint = TunnelEndpoint::Parse("[2001:db8::1]:51820");
  peer.persistent_keepalive_s = 25;
  peer.allowed_ips = {P("10.0.0.7/24"), P("::/0")};
  config.peers = {peer};
  EXPECT_EQ(uapi::BuildSet(config, PeerSetMode::kReplacePeers),
            std::string("set=1\n"
                        "private_key=") + kPrivateHex + "\n"
                        "listen_port=51820\n"
                        "fwmark=256\n"
                        "replace_peers=true\n"
                        "public_key=" + std::string(64, '1') + "\n"
                        "preshared_key=2222222222222222222222222222222222222222222222222222222222222222\n"
                        "endpoint=[2001:db8::1]:51820\n"
                        "persistent_keepalive_interval=25\n"
                        "replace_allowed_ips=true\n"
                        "allowed_ip=10.0.0.0/24\n"
                        "allowed_ip=::/0\n"
                        "\n");
}

TEST(UapiProtocolTest, BuildsAnUpdateWithARemovalAndLeavesUnsetFieldsOut) {
  TunnelDeviceConfig config;
  TunnelPeerConfig gone;
  gone.public_key = Filled(0x33);
  gone.remove = true;
  gone.allowed_ips = {P("10.0.0.0/8")};  // ignored for a removal
  TunnelPeerConfig bare;
  bare.public_key = Filled(0x44);
  config.peers = {gone, bare};
  EXPECT_EQ(uapi::BuildSet(config, PeerSetMode::kUpdate),
            "set=1\n"
            "public_key=3333333333333333333333333333333333333333333333333333333333333333\n"
            "remove=true\n"
            "public_key=4444444444444444444444444444444444444444444444444444444444444444\n"
            "replace_allowed_ips=true\n"
            "\n");
}

TEST(UapiProtocolTest, BuildsAnEndpointMoveThatNeverCreatesAPeer) {
  EXPECT_EQ(uapi::BuildSetEndpoint(Filled(0xab), *TunnelEndpoint::Parse("198.51.100.2:4500")),
            "set=1\n"
            "public_key=abababababababababababababababababababababababababababababababab\n"
            "update_only=true\n"
            "endpoint=198.51.100.2:4500\n"
            "\n");
}

TEST(UapiProtocolTest, ParsesSetReplies) {
  EXPECT_TRUE(uapi::ParseSetReply("errno=0\n\n"));
  auto refused = uapi::ParseSetReply("errno=-22\n\n");  // wireguard-go sends -EINVAL
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().errno_value, 22);
  auto in_use = uapi::ParseSetReply("errno=-98\n\n");
  ASSERT_FALSE(in_use);
  EXPECT_EQ(in_use.error().code, ErrorCode::kAlreadyExists);
  for (const char* bad : {"", "errno=0\n", "errno=x\n\n", "ok\n\n", "errno=0\nerrno=0\n\n", "\n\n"}) {
    auto result = uapi::ParseSetReply(bad);
    EXPECT_FALSE(result) << bad;
  }
}

// Laid out as wireguard-go 0.0.20220316 (Debian 12) prints it: device keys, then per peer.
TEST(UapiProtocolTest, ParsesAGetReply) {
  std::string reply = std::string("private_key=") + kPrivateHex + "\n"
                      "listen_port=51820\n"
                      "fwmark=256\n"
                      "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
                      "preshared_key=2222222222222222222222222222222222222222222222222222222222222222\n"
                      "protocol_version=1\n"
                      "endpoint=203.0.113.10:51820\n"
                      "last_handshake_time_sec=1700000000\n"
                      "last_handshake_time_nsec=500\n"
                      "tx_bytes=1234\n"
                      "rx_bytes=5678\n"
                      "persistent_keepalive_interval=25\n"
                      "allowed_ip=10.99.0.0/24\n"
                      "allowed_ip=0.0.0.0/0\n"
                      "public_key=3333333333333333333333333333333333333333333333333333333333333333\n"
                      "preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n"
                      "protocol_version=1\n"
                      "last_handshake_time_sec=0\n"
                      "last_handshake_time_nsec=0\n"
                      "tx_bytes=0\n"
                      "rx_bytes=0\n"
                      "persistent_keepalive_interval=0\n"
                      "errno=0\n"
                      "\n";
  auto state = uapi::ParseGetReply(reply, "wg0");
  ASSERT_TRUE(state) << Describe(state.error());
  EXPECT_EQ(state->interface_name, "wg0");
  ASSERT_TRUE(state->public_key);
  EXPECT_EQ(state->public_key->ToHex(), kPublicHex);
  EXPECT_EQ(state->listen_port, 51820);
  EXPECT_EQ(state->fwmark, 256u);
  ASSERT_EQ(state->peers.size(), 2u);
  const auto& hub = state->peers[0];
  EXPECT_EQ(hub.public_key, Filled(0x11));
  EXPECT_TRUE(hub.has_preshared_key);
  EXPECT_EQ(hub.endpoint, TunnelEndpoint::Parse("203.0.113.10:51820"));
  ASSERT_TRUE(hub.last_handshake);
  EXPECT_EQ(hub.last_handshake->time_since_epoch(),
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(1700000000) +
                                                                            std::chrono::nanoseconds(500)));
  EXPECT_EQ(hub.tx_bytes, 1234u);
  EXPECT_EQ(hub.rx_bytes, 5678u);
  EXPECT_EQ(hub.persistent_keepalive_s, 25);
  EXPECT_THAT(hub.allowed_ips, ElementsAre(P("10.99.0.0/24"), P("0.0.0.0/0")));
  const auto& idle = state->peers[1];
  EXPECT_FALSE(idle.has_preshared_key);
  EXPECT_FALSE(idle.endpoint);
  EXPECT_FALSE(idle.last_handshake);
  EXPECT_TRUE(idle.allowed_ips.empty());
}

TEST(UapiProtocolTest, AnEmptyDeviceHasNoKeyAndNoPeers) {
  auto state = uapi::ParseGetReply("errno=0\n\n", "wg1");
  ASSERT_TRUE(state);
  EXPECT_FALSE(state->public_key);
  EXPECT_TRUE(state->peers.empty());
}

TEST(UapiProtocolTest, RefusesMalformedGetReplies) {
  const std::string peer = "public_key=1111111111111111111111111111111111111111111111111111111111111111\n";
  for (std::string bad : {std::string("listen_port=51820\n\n"),                 // no errno
                          std::string("listen_port=99999\nerrno=0\n\n"),         // out of range
                          std::string("private_key=12\nerrno=0\n\n"),            // short key
                          std::string("public_key=zz\nerrno=0\n\n"),
                          peer + "endpoint=example.com:51820\nerrno=0\n\n",     // names are never sent back
                          peer + "allowed_ip=10.0.0.0/33\nerrno=0\n\n",
                          peer + "allowed_ip=10.0.0.1\nerrno=0\n\n",
                          peer + "rx_bytes=-1\nerrno=0\n\n",
                          peer + "last_handshake_time_nsec=1000000000\nerrno=0\n\n",
                          std::string("errno=0\nlisten_port=1\n\n"),             // after the end
                          std::string("garbage\nerrno=0\n\n"),
                          std::string("errno=0\n"),                              // unterminated
                          std::string("errno=-5\n\n")}) {
    EXPECT_FALSE(uapi::ParseGetReply(bad, "wg0")) << bad;
  }
  std::string huge(uapi::kMaxReplyBytes + 10, 'a');
  EXPECT_FALSE(uapi::ParseGetReply(huge + "\n\n", "wg0"));
}

}  // namespace
}  // namespace uplinkd::vpn
