#pragma once
// An in-memory kernel for unit tests: links, addresses, routes and rules with the semantics the
// RoutingEdge interface promises and the kernel really has (checked by the same test cases run
// against LibnlRoutingEdge in tests/kernel/): idempotent add/remove, errors for unknown links,
// routes refused over a link that is down and dropped when it goes down, gateways that must be
// reachable on the link, the kernel's default rules.
// Not modelled: the routes the kernel makes for addresses (prefix and local routes), IPv6
// link-local addresses, DAD, and multipath routes.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "net/routing_edge.h"

namespace uplinkd::net {

class FakeRoutingEdge : public RoutingEdge {
 public:
  // Told about every change the kernel would announce over rtnetlink (see FakeNetlinkMonitor).
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnLinkChanged(const Link& link, bool removed) = 0;
    virtual void OnAddressChanged(const InterfaceAddress& address, bool removed) = 0;
  };

  // A fresh network namespace: "lo" (index 1, down) and the kernel's default rules.
  FakeRoutingEdge();

  // --- test helpers: what the outside world does to the kernel ---
  // A new link, down and without carrier (like one end of a fresh veth pair). Returns its index.
  int AddLink(const std::string& name, uint32_t mtu = 1500);
  // The link disappears with its addresses and routes (a modem unplugged).
  void RemoveLink(int link_index);
  // The physical carrier; reported as `carrier` only while the link is also admin-up.
  void SetCarrier(int link_index, bool carrier);
  // The next call through the RoutingEdge interface fails with `error` (one shot).
  void FailNextCall(Error error);
  // Calls through the interface that changed something (a re-add of what exists does not count).
  int change_count() const { return change_count_; }
  void AddListener(Listener* listener);
  void RemoveListener(Listener* listener);

  // --- RoutingEdge ---
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
  struct FakeLink {
    Link link;
    bool carrier_signal = false;
  };

  Result<void> TakeInjectedFailure();
  FakeLink* FindLink(int link_index);
  Link Reported(const FakeLink& link) const;
  bool GatewayReachable(const Route& route, bool link_up) const;
  void DropRoutesOver(int link_index);
  void NotifyLink(const FakeLink& link, bool removed);
  void NotifyAddress(const InterfaceAddress& address, bool removed);

  std::map<int, FakeLink> links_;
  int next_index_ = 1;
  std::vector<InterfaceAddress> addresses_;
  std::vector<Route> routes_;
  std::vector<Rule> rules_;
  std::optional<Error> injected_failure_;
  int change_count_ = 0;
  std::vector<Listener*> listeners_;
};

}  // namespace uplinkd::net
