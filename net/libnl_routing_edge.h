#pragma once
// RoutingEdge on the kernel, through libnl-route-3 on one rtnetlink socket. The socket belongs to
// the network namespace of the thread that calls Create(). libnl stays inside the .cc file.
#include <memory>

#include "net/routing_edge.h"

struct nl_sock;

namespace uplinkd::net {

class LibnlRoutingEdge : public RoutingEdge {
 public:
  static Result<std::unique_ptr<LibnlRoutingEdge>> Create();
  ~LibnlRoutingEdge() override;
  LibnlRoutingEdge(const LibnlRoutingEdge&) = delete;
  LibnlRoutingEdge& operator=(const LibnlRoutingEdge&) = delete;

  Result<std::vector<Link>> ListLinks() override;
  Result<Link> GetLink(const std::string& name) override;
  Result<void> SetLinkUp(int link_index, bool up) override;
  Result<void> SetMtu(int link_index, uint32_t mtu) override;
  Result<std::vector<InterfaceAddress>> ListAddresses(int link_index) override;
  Result<void> AddAddress(const InterfaceAddress& address) override;
  Result<void> RemoveAddress(const InterfaceAddress& address) override;
  Result<std::vector<Route>> ListRoutes(uint32_t table, IpFamily family) override;
  Result<void> ReplaceRoute(const Route& route) override;
  Result<void> RemoveRoute(const Route& route) override;
  Result<std::vector<Rule>> ListRules(IpFamily family) override;
  Result<void> AddRule(const Rule& rule) override;
  Result<void> RemoveRule(const Rule& rule) override;

 private:
  explicit LibnlRoutingEdge(nl_sock* socket) : socket_(socket) {}

  nl_sock* socket_;
};

}  // namespace uplinkd::net
