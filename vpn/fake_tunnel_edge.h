#pragma once
// An in-memory WireGuard "kernel" for unit tests: it keeps what was set, answers reads the way
// the real back-ends do (allowed IPs in network form, secrets never read back), and lets a test
// play the network's part (traffic counters, handshakes, a roaming peer).
#include <map>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "vpn/tunnel_edge.h"

namespace uplinkd::vpn {

class FakeTunnelEdge : public TunnelEdge {
 public:
  explicit FakeTunnelEdge(boost::asio::io_context& io) : io_(io) {}
  ~FakeTunnelEdge() override;

  void CreateInterface(const std::string& interface_name, Done done) override;
  void RemoveInterface(const std::string& interface_name, Done done) override;
  void SetDevice(const std::string& interface_name, const TunnelDeviceConfig& config, PeerSetMode mode,
                 Done done) override;
  void GetDevice(const std::string& interface_name, DeviceRead done) override;
  void SetPeerEndpoint(const std::string& interface_name, const WireguardKey& peer, const TunnelEndpoint& endpoint,
                       Done done) override;

  // The network's side. Each returns false when the interface or peer does not exist.
  bool AddTraffic(const std::string& interface_name, const WireguardKey& peer, uint64_t rx_bytes, uint64_t tx_bytes);
  bool CompleteHandshake(const std::string& interface_name, const WireguardKey& peer,
                         std::chrono::system_clock::time_point when);
  bool PeerRoamed(const std::string& interface_name, const WireguardKey& peer, const TunnelEndpoint& endpoint);
  // How many times each peer's endpoint was set (by SetDevice or SetPeerEndpoint): the "kicks".
  int EndpointSets(const std::string& interface_name, const WireguardKey& peer) const;
  // Makes the next operation fail with `error` (one shot), as a broken back-end would.
  void FailNext(Error error) { fail_next_ = std::move(error); }

 private:
  struct Peer {
    TunnelPeerState state;
    WireguardKey preshared_key;
    int endpoint_sets = 0;
  };
  struct Device {
    WireguardKey private_key;
    uint16_t listen_port = 0;
    uint32_t fwmark = 0;
    std::vector<Peer> peers;  // in insertion order, as the kernel lists them
  };

  Peer* FindPeer(const std::string& interface_name, const WireguardKey& key);
  void ApplyPeer(Device& device, const TunnelPeerConfig& config);
  template <typename Callback, typename Value>
  void Post(Callback done, Value value);
  bool TakeFailure(Error* error);

  boost::asio::io_context& io_;
  std::map<std::string, Device> devices_;
  std::optional<Error> fail_next_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::vpn
