#include "vpn/uapi_protocol.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace uplinkd::vpn::uapi {
namespace {

void AppendPeer(std::string& out, const TunnelPeerConfig& peer) {
  out += "public_key=" + peer.public_key.ToHex() + "\n";
  if (peer.remove) {
    out += "remove=true\n";
    return;
  }
  if (peer.preshared_key) {
    std::string hex = peer.preshared_key->ToHex();
    out += "preshared_key=" + hex + "\n";
    WipeString(hex);
  }
  if (peer.endpoint) out += "endpoint=" + peer.endpoint->ToString() + "\n";
  if (peer.persistent_keepalive_s) out += fmt::format("persistent_keepalive_interval={}\n", *peer.persistent_keepalive_s);
  out += "replace_allowed_ips=true\n";
  for (const auto& prefix : peer.allowed_ips) out += "allowed_ip=" + prefix.Network().ToString() + "\n";
}

template <typename T>
bool ParseNumber(std::string_view text, T* value) {
  if (text.empty()) return false;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

Error Malformed(std::string_view what) {
  return Error{ErrorCode::kRejected, fmt::format("wireguard-go sent a malformed UAPI reply ({})", what), 0};
}

// The errno= line: success, or the peer's refusal as our error.
Result<void> ErrnoResult(std::string_view value) {
  int64_t number = 0;
  if (!ParseNumber(value, &number)) return tl::unexpected(Malformed("errno"));
  if (number == 0) return {};
  int errno_value = static_cast<int>(number < 0 ? -number : number);
  ErrorCode code = errno_value == 22 /* EINVAL */ || errno_value == 71 /* EPROTO */ ? ErrorCode::kInvalidArgument
                   : errno_value == 98 /* EADDRINUSE */                              ? ErrorCode::kAlreadyExists
                                                                                     : ErrorCode::kRejected;
  return MakeError(code, fmt::format("wireguard-go refused the request: {}", std::strerror(errno_value)), errno_value);
}

// Splits a reply into its lines; it must end with the blank line that closes it.
Result<std::vector<std::string_view>> Lines(std::string_view reply) {
  if (reply.size() > kMaxReplyBytes) return tl::unexpected(Malformed("too long"));
  if (reply.size() < 2 || reply.substr(reply.size() - 2) != "\n\n") return tl::unexpected(Malformed("unterminated"));
  std::vector<std::string_view> lines;
  std::string_view body = reply.substr(0, reply.size() - 2);
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    if (line.empty()) return tl::unexpected(Malformed("blank line"));
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string BuildSet(const TunnelDeviceConfig& config, PeerSetMode mode) {
  std::string out = "set=1\n";
  if (config.private_key) {
    std::string hex = config.private_key->ToHex();
    out += "private_key=" + hex + "\n";
    WipeString(hex);
  }
  if (config.listen_port) out += fmt::format("listen_port={}\n", *config.listen_port);
  if (config.fwmark) out += fmt::format("fwmark={}\n", *config.fwmark);
  if (mode == PeerSetMode::kReplacePeers) out += "replace_peers=true\n";
  for (const auto& peer : config.peers) AppendPeer(out, peer);
  out += "\n";
  return out;
}

std::string BuildSetEndpoint(const WireguardKey& peer, const TunnelEndpoint& endpoint) {
  return "set=1\npublic_key=" + peer.ToHex() + "\nupdate_only=true\nendpoint=" + endpoint.ToString() + "\n\n";
}

Result<void> ParseSetReply(std::string_view reply) {
  auto lines = Lines(reply);
  if (!lines) return tl::unexpected(lines.error());
  if (lines->size() != 1 || !lines->front().starts_with("errno=")) return tl::unexpected(Malformed("no errno"));
  return ErrnoResult(lines->front().substr(6));
}

Result<TunnelDeviceState> ParseGetReply(std::string_view reply, const std::string& interface_name) {
  auto lines = Lines(reply);
  if (!lines) return tl::unexpected(lines.error());
  TunnelDeviceState state;
  state.interface_name = interface_name;
  TunnelPeerState* peer = nullptr;
  int64_t handshake_sec = 0, handshake_nsec = 0;
  auto finish_peer = [&]() -> Result<void> {
    if (!peer) return {};
    if (handshake_sec < 0 || handshake_nsec < 0 || handshake_nsec >= 1000000000) {
      return tl::unexpected(Malformed("handshake time"));
    }
    if (handshake_sec != 0 || handshake_nsec != 0) {
      peer->last_handshake = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(handshake_sec) +
                                                                         std::chrono::nanoseconds(handshake_nsec)));
    }
    handshake_sec = handshake_nsec = 0;
    return {};
  };
  bool saw_errno = false;
  for (size_t i = 0; i < lines->size(); ++i) {
    std::string_view line = (*lines)[i];
    if (saw_errno) return tl::unexpected(Malformed("lines after errno"));
    size_t equals = line.find('=');
    if (equals == std::string_view::npos) return tl::unexpected(Malformed("a line without '='"));
    std::string_view key = line.substr(0, equals), value = line.substr(equals + 1);
    if (key == "errno") {
      if (auto done = finish_peer(); !done) return tl::unexpected(done.error());
      if (auto result = ErrnoResult(value); !result) return tl::unexpected(result.error());
      saw_errno = true;
    } else if (key == "public_key") {
      if (auto done = finish_peer(); !done) return tl::unexpected(done.error());
      auto public_key = WireguardKey::FromHex(value);
      if (!public_key) return tl::unexpected(Malformed("public_key"));
      state.peers.push_back(TunnelPeerState{});
      peer = &state.peers.back();
      peer->public_key = *public_key;
    } else if (!peer) {
      if (key == "private_key") {
        auto private_key = WireguardKey::FromHex(value);
        if (!private_key) return tl::unexpected(Malformed("private_key"));
        if (!private_key->IsZero()) {
          auto public_key = private_key->DerivePublic();
          if (!public_key) return tl::unexpected(public_key.error());
          state.public_key = *public_key;
        }
      } else if (key == "listen_port") {
        if (!ParseNumber(value, &state.listen_port)) return tl::unexpected(Malformed("listen_port"));
      } else if (key == "fwmark") {
        if (!ParseNumber(value, &state.fwmark)) return tl::unexpected(Malformed("fwmark"));
      }
      // Other device keys (newer wireguard-go versions) carry nothing we model.
    } else if (key == "preshared_key") {
      auto preshared = WireguardKey::FromHex(value);
      if (!preshared) return tl::unexpected(Malformed("preshared_key"));
      peer->has_preshared_key = !preshared->IsZero();
    } else if (key == "endpoint") {
      auto endpoint = TunnelEndpoint::Parse(value);
      if (!endpoint) return tl::unexpected(Malformed("endpoint"));
      peer->endpoint = *endpoint;
    } else if (key == "last_handshake_time_sec") {
      if (!ParseNumber(value, &handshake_sec)) return tl::unexpected(Malformed("last_handshake_time_sec"));
    } else if (key == "last_handshake_time_nsec") {
      if (!ParseNumber(value, &handshake_nsec)) return tl::unexpected(Malformed("last_handshake_time_nsec"));
    } else if (key == "tx_bytes") {
      if (!ParseNumber(value, &peer->tx_bytes)) return tl::unexpected(Malformed("tx_bytes"));
    } else if (key == "rx_bytes") {
      if (!ParseNumber(value, &peer->rx_bytes)) return tl::unexpected(Malformed("rx_bytes"));
    } else if (key == "persistent_keepalive_interval") {
      if (!ParseNumber(value, &peer->persistent_keepalive_s)) return tl::unexpected(Malformed("keepalive"));
    } else if (key == "allowed_ip") {
      auto prefix = net::IpPrefix::Parse(value);
      if (!prefix || value.find('/') == std::string_view::npos) return tl::unexpected(Malformed("allowed_ip"));
      peer->allowed_ips.push_back(prefix->Network());
    }
    // protocol_version and keys we do not model are skipped.
  }
  if (!saw_errno) return tl::unexpected(Malformed("no errno"));
  return state;
}

}  // namespace uplinkd::vpn::uapi
