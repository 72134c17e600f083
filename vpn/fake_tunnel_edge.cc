#include "vpn/fake_tunnel_edge.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace uplinkd::vpn {
namespace {

Error NoInterface(const std::string& name) {
  return Error{ErrorCode::kNotFound, fmt::format("no WireGuard interface {}", name), 19 /* ENODEV */};
}

}  // namespace

FakeTunnelEdge::~FakeTunnelEdge() { *alive_ = false; }

template <typename Callback, typename Value>
void FakeTunnelEdge::Post(Callback done, Value value) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), value = std::move(value)]() mutable {
    if (!alive.expired()) done(std::move(value));
  });
}

bool FakeTunnelEdge::TakeFailure(Error* error) {
  if (!fail_next_) return false;
  *error = std::move(*fail_next_);
  fail_next_.reset();
  return true;
}

void FakeTunnelEdge::CreateInterface(const std::string& name, Done done) {
  Error error;
  if (TakeFailure(&error)) return Post(std::move(done), Result<void>(tl::unexpected(error)));
  if (auto valid = ValidateInterfaceName(name); !valid) return Post(std::move(done), valid);
  if (devices_.count(name)) {
    return Post(std::move(done),
                Result<void>(MakeError(ErrorCode::kAlreadyExists, fmt::format("interface {} exists", name), 17)));
  }
  devices_[name].listen_port = 0;
  Post(std::move(done), Result<void>());
}

void FakeTunnelEdge::RemoveInterface(const std::string& name, Done done) {
  Error error;
  if (TakeFailure(&error)) return Post(std::move(done), Result<void>(tl::unexpected(error)));
  if (devices_.erase(name) == 0) return Post(std::move(done), Result<void>(tl::unexpected(NoInterface(name))));
  Post(std::move(done), Result<void>());
}

void FakeTunnelEdge::ApplyPeer(Device& device, const TunnelPeerConfig& config) {
  auto it = std::find_if(device.peers.begin(), device.peers.end(),
                         [&](const Peer& p) { return p.state.public_key == config.public_key; });
  if (config.remove) {
    if (it != device.peers.end()) device.peers.erase(it);
    return;
  }
  if (it == device.peers.end()) {
    device.peers.push_back(Peer{});
    it = std::prev(device.peers.end());
    it->state.public_key = config.public_key;
  }
  Peer& peer = *it;
  if (config.preshared_key) {
    peer.preshared_key = *config.preshared_key;
    peer.state.has_preshared_key = !config.preshared_key->IsZero();
  }
  if (config.endpoint) {
    peer.state.endpoint = *config.endpoint;
    ++peer.endpoint_sets;
  }
  if (config.persistent_keepalive_s) peer.state.persistent_keepalive_s = *config.persistent_keepalive_s;
  peer.state.allowed_ips.clear();
  for (const auto& prefix : config.allowed_ips) {
    auto network = prefix.Network();
    // One prefix belongs to one peer: setting it here takes it from any other peer.
    for (auto& other : device.peers) std::erase(other.state.allowed_ips, network);
    if (std::find(peer.state.allowed_ips.begin(), peer.state.allowed_ips.end(), network) ==
        peer.state.allowed_ips.end()) {
      peer.state.allowed_ips.push_back(network);
    }
  }
}

void FakeTunnelEdge::SetDevice(const std::string& name, const TunnelDeviceConfig& config, PeerSetMode mode,
                               Done done) {
  Error error;
  if (TakeFailure(&error)) return Post(std::move(done), Result<void>(tl::unexpected(error)));
  if (auto valid = ValidateDeviceConfig(config, mode); !valid) return Post(std::move(done), valid);
  auto it = devices_.find(name);
  if (it == devices_.end()) return Post(std::move(done), Result<void>(tl::unexpected(NoInterface(name))));
  Device& device = it->second;
  if (config.private_key) device.private_key = *config.private_key;
  if (config.listen_port) device.listen_port = *config.listen_port;
  if (config.fwmark) device.fwmark = *config.fwmark;
  if (mode == PeerSetMode::kReplacePeers) device.peers.clear();
  for (const auto& peer : config.peers) ApplyPeer(device, peer);
  Post(std::move(done), Result<void>());
}

void FakeTunnelEdge::GetDevice(const std::string& name, DeviceRead done) {
  Error error;
  if (TakeFailure(&error)) return Post(std::move(done), Result<TunnelDeviceState>(tl::unexpected(error)));
  auto it = devices_.find(name);
  if (it == devices_.end()) {
    return Post(std::move(done), Result<TunnelDeviceState>(tl::unexpected(NoInterface(name))));
  }
  const Device& device = it->second;
  TunnelDeviceState state;
  state.interface_name = name;
  if (!device.private_key.IsZero()) {
    auto public_key = device.private_key.DerivePublic();
    if (!public_key) return Post(std::move(done), Result<TunnelDeviceState>(tl::unexpected(public_key.error())));
    state.public_key = *public_key;
  }
  // Port 0 stays 0 here; the real back-ends pick a random port once the link is up.
  state.listen_port = device.listen_port;
  state.fwmark = device.fwmark;
  for (const auto& peer : device.peers) state.peers.push_back(peer.state);
  Post(std::move(done), Result<TunnelDeviceState>(std::move(state)));
}

void FakeTunnelEdge::SetPeerEndpoint(const std::string& name, const WireguardKey& key, const TunnelEndpoint& endpoint,
                                     Done done) {
  Error error;
  if (TakeFailure(&error)) return Post(std::move(done), Result<void>(tl::unexpected(error)));
  if (!devices_.count(name)) return Post(std::move(done), Result<void>(tl::unexpected(NoInterface(name))));
  if (endpoint.port == 0) {
    return Post(std::move(done), Result<void>(MakeError(ErrorCode::kInvalidArgument, "an endpoint needs a port")));
  }
  Peer* peer = FindPeer(name, key);
  if (!peer) {
    return Post(std::move(done), Result<void>(MakeError(ErrorCode::kNotFound,
                                                        fmt::format("{} has no peer {}", name, key.ToBase64()))));
  }
  peer->state.endpoint = endpoint;
  ++peer->endpoint_sets;
  Post(std::move(done), Result<void>());
}

FakeTunnelEdge::Peer* FakeTunnelEdge::FindPeer(const std::string& name, const WireguardKey& key) {
  auto it = devices_.find(name);
  if (it == devices_.end()) return nullptr;
  for (auto& peer : it->second.peers) {
    if (peer.state.public_key == key) return &peer;
  }
  return nullptr;
}

bool FakeTunnelEdge::AddTraffic(const std::string& name, const WireguardKey& key, uint64_t rx, uint64_t tx) {
  Peer* peer = FindPeer(name, key);
  if (!peer) return false;
  peer->state.rx_bytes += rx;
  peer->state.tx_bytes += tx;
  return true;
}

bool FakeTunnelEdge::CompleteHandshake(const std::string& name, const WireguardKey& key,
                                       std::chrono::system_clock::time_point when) {
  Peer* peer = FindPeer(name, key);
  if (!peer) return false;
  peer->state.last_handshake = when;
  return true;
}

bool FakeTunnelEdge::PeerRoamed(const std::string& name, const WireguardKey& key, const TunnelEndpoint& endpoint) {
  Peer* peer = FindPeer(name, key);
  if (!peer) return false;
  peer->state.endpoint = endpoint;
  return true;
}

int FakeTunnelEdge::EndpointSets(const std::string& name, const WireguardKey& key) const {
  auto* self = const_cast<FakeTunnelEdge*>(this);
  Peer* peer = self->FindPeer(name, key);
  return peer ? peer->endpoint_sets : 0;
}

}  // namespace uplinkd::vpn
