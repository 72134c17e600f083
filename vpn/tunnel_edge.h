#pragma once
// A WireGuard device as uplinkd drives it, in our own value types, whatever runs it: the kernel
// (generic netlink family "wireguard": KernelTunnelEdge), wireguard-go (its UAPI socket:
// WireguardGoTunnelEdge) or memory (FakeTunnelEdge). One contract suite holds all three to the
// same behaviour (tests/unit/vpn/tunnel_edge_contract.cc).
//
// Every operation is asynchronous: it returns at once and its callback runs later on the
// io_context, never inside the call, whichever back-end it is (wireguard-go's socket is a peer
// that may hang; the kernel's answers are posted so callers see one behaviour).
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/ip_address.h"
#include "net/ip_prefix.h"
#include "vpn/wireguard_key.h"

namespace uplinkd::vpn {

// A numeric UDP endpoint. Names are resolved before they reach an edge: neither the kernel nor
// wireguard-go resolves, and a resolver must never run on the loop.
struct TunnelEndpoint {
  net::IpAddress address;
  uint16_t port = 0;
  // "192.0.2.1:51820" or "[2001:db8::1]:51820".
  static std::optional<TunnelEndpoint> Parse(std::string_view text);
  std::string ToString() const;
  friend bool operator==(const TunnelEndpoint&, const TunnelEndpoint&) = default;
};

// One peer as set. Fields left empty keep what the device has (for a new peer: none / off).
struct TunnelPeerConfig {
  WireguardKey public_key;
  bool remove = false;                        // drop this peer (update mode only)
  std::optional<WireguardKey> preshared_key;  // all zeros removes it
  std::optional<TunnelEndpoint> endpoint;
  std::optional<uint16_t> persistent_keepalive_s;  // 0 turns it off
  // The peer's allowed IPs are always replaced by this list (empty: none), so a set is idempotent.
  std::vector<net::IpPrefix> allowed_ips;
};

struct TunnelDeviceConfig {
  std::optional<WireguardKey> private_key;  // empty: keep; all zeros removes it
  std::optional<uint16_t> listen_port;      // 0: a random port
  std::optional<uint32_t> fwmark;           // 0: no mark
  std::vector<TunnelPeerConfig> peers;
};

enum class PeerSetMode {
  kReplacePeers,  // the device's peers become exactly `peers`
  kUpdate,        // `peers` are added or changed (or removed); the others are left alone
};

// What the device reports. Secrets (private and preshared keys) are never read back.
struct TunnelPeerState {
  WireguardKey public_key;
  bool has_preshared_key = false;
  std::optional<TunnelEndpoint> endpoint;
  uint16_t persistent_keepalive_s = 0;
  std::vector<net::IpPrefix> allowed_ips;  // network form (host bits cleared); order is the device's
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  // Wall clock, as both implementations report it (it jumps with the clock: compare values,
  // don't subtract from now). Empty: no handshake yet.
  std::optional<std::chrono::system_clock::time_point> last_handshake;
  friend bool operator==(const TunnelPeerState&, const TunnelPeerState&) = default;
};

struct TunnelDeviceState {
  std::string interface_name;
  std::optional<WireguardKey> public_key;  // empty: no private key set
  uint16_t listen_port = 0;
  uint32_t fwmark = 0;
  std::vector<TunnelPeerState> peers;
  const TunnelPeerState* FindPeer(const WireguardKey& public_key) const;
};

class TunnelEdge {
 public:
  using Done = std::function<void(Result<void>)>;
  using DeviceRead = std::function<void(Result<TunnelDeviceState>)>;

  virtual ~TunnelEdge() = default;

  // Creates the interface (down, no configuration). kAlreadyExists if it exists.
  virtual void CreateInterface(const std::string& interface_name, Done done) = 0;
  // Removes it. kNotFound if it does not exist (or, for wireguard-go, was not started by us).
  virtual void RemoveInterface(const std::string& interface_name, Done done) = 0;
  // Applies `config`. kNotFound for a missing interface; kInvalidArgument for a config that
  // cannot be right (a peer listed twice, a zero public key, remove in replace mode), in which
  // case nothing is sent.
  virtual void SetDevice(const std::string& interface_name, const TunnelDeviceConfig& config, PeerSetMode mode,
                         Done done) = 0;
  virtual void GetDevice(const std::string& interface_name, DeviceRead done) = 0;
  // The "move": sets one existing peer's endpoint again (the same one is fine), which makes both
  // implementations forget the sticky source address and route the next packet afresh. Never
  // creates a peer: kNotFound when the peer is not there.
  virtual void SetPeerEndpoint(const std::string& interface_name, const WireguardKey& peer,
                               const TunnelEndpoint& endpoint, Done done) = 0;
};

// The checks every implementation makes before it sends anything (see SetDevice).
Result<void> ValidateDeviceConfig(const TunnelDeviceConfig& config, PeerSetMode mode);
// A Linux interface name: 1..15 bytes, no '/', no whitespace, not "." or "..".
Result<void> ValidateInterfaceName(const std::string& name);

}  // namespace uplinkd::vpn
