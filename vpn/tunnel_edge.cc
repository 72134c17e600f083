#include "vpn/tunnel_edge.h"

#include <charconv>
#include <set>

#include <fmt/format.h>

namespace uplinkd::vpn {

std::optional<TunnelEndpoint> TunnelEndpoint::Parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;  // IPv6 needs brackets
  }
  auto address = net::IpAddress::Parse(host);
  if (!address) return std::nullopt;
  if (text.front() == '[' && address->family() != net::IpFamily::kV6) return std::nullopt;
  unsigned value = 0;
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (error != std::errc() || end != port.data() + port.size() || port.empty() || value == 0 || value > 65535) {
    return std::nullopt;
  }
  return TunnelEndpoint{*address, static_cast<uint16_t>(value)};
}

std::string TunnelEndpoint::ToString() const {
  if (address.family() == net::IpFamily::kV6) return fmt::format("[{}]:{}", address.ToString(), port);
  return fmt::format("{}:{}", address.ToString(), port);
}

const TunnelPeerState* TunnelDeviceState::FindPeer(const WireguardKey& key) const {
  for (const auto& peer : peers) {
    if (peer.public_key == key) return &peer;
  }
  return nullptr;
}

Result<void> ValidateDeviceConfig(const TunnelDeviceConfig& config, PeerSetMode mode) {
  std::set<WireguardKey> seen;
  for (const auto& peer : config.peers) {
    if (peer.public_key.IsZero()) return MakeError(ErrorCode::kInvalidArgument, "a peer has no public key");
    if (!seen.insert(peer.public_key).second) {
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("peer {} is listed twice", peer.public_key.ToBase64()));
    }
    if (peer.remove && mode == PeerSetMode::kReplacePeers) {
      return MakeError(ErrorCode::kInvalidArgument, "removing a peer makes no sense when replacing all peers");
    }
    if (peer.endpoint && peer.endpoint->port == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "an endpoint needs a port");
    }
    for (const auto& prefix : peer.allowed_ips) {
      uint8_t max = prefix.family() == net::IpFamily::kV4 ? 32 : 128;
      if (prefix.length() > max) return MakeError(ErrorCode::kInvalidArgument, "an allowed IP has a bad prefix length");
    }
  }
  return {};
}

Result<void> ValidateInterfaceName(const std::string& name) {
  if (name.empty() || name.size() > 15 || name == "." || name == "..") {
    return MakeError(ErrorCode::kInvalidArgument, "an interface name has 1 to 15 characters");
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (c == '/' || c == ':' || u <= ' ' || u >= 0x7f) {
      return MakeError(ErrorCode::kInvalidArgument, "an interface name has a character Linux refuses");
    }
  }
  return {};
}

}  // namespace uplinkd::vpn
