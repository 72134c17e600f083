#pragma once
// The kernel back-end: links made and removed over rtnetlink (kind "wireguard"), devices set and
// read over the generic-netlink family "wireguard" (messages: wireguard_genl_message.h). The
// family is resolved at first use, not at construction, because creating the first WireGuard
// link is what loads the module. Netlink calls are short synchronous round trips to the local
// kernel, as in net/; their answers are posted, so callers see the same asynchrony as with
// wireguard-go. Needs CAP_NET_ADMIN.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "vpn/tunnel_edge.h"
#include "vpn/wireguard_genl_message.h"

struct nl_sock;

namespace uplinkd::vpn {

class KernelTunnelEdge : public TunnelEdge {
 public:
  static Result<std::unique_ptr<KernelTunnelEdge>> Create(boost::asio::io_context& io);
  ~KernelTunnelEdge() override;

  void CreateInterface(const std::string& interface_name, Done done) override;
  void RemoveInterface(const std::string& interface_name, Done done) override;
  void SetDevice(const std::string& interface_name, const TunnelDeviceConfig& config, PeerSetMode mode,
                 Done done) override;
  void GetDevice(const std::string& interface_name, DeviceRead done) override;
  void SetPeerEndpoint(const std::string& interface_name, const WireguardKey& peer, const TunnelEndpoint& endpoint,
                       Done done) override;

 private:
  KernelTunnelEdge(boost::asio::io_context& io, nl_sock* route, nl_sock* genl);
  Result<uint16_t> Family();
  Result<void> Send(const genl::Message& message, const std::string& context);
  Result<TunnelDeviceState> Get(const std::string& interface_name);
  void Post(Done done, Result<void> result);

  boost::asio::io_context& io_;
  nl_sock* route_;
  nl_sock* genl_;
  int family_id_ = -1;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::vpn
