#pragma once
// NetlinkMonitor for unit tests. Events wait in a queue until the test delivers them (or, after
// DeliverOn(io), until the io_context runs), like the real monitor, which never calls a handler
// from inside Start() or from inside the call that changed the kernel. Built on a FakeRoutingEdge
// it reports that fake kernel's snapshot on Start() and then every change the fake makes.
#include <deque>
#include <memory>
#include <variant>

#include <boost/asio/io_context.hpp>

#include "net/fake_routing_edge.h"
#include "net/netlink_monitor.h"

namespace uplinkd::net {

class FakeNetlinkMonitor : public NetlinkMonitor, private FakeRoutingEdge::Listener {
 public:
  FakeNetlinkMonitor() = default;
  explicit FakeNetlinkMonitor(FakeRoutingEdge& kernel);
  ~FakeNetlinkMonitor() override;

  Result<void> Start(NetlinkHandlers handlers) override;
  void Stop() override;

  // --- test helpers ---
  void QueueLink(const LinkEvent& event);
  void QueueAddress(const AddressEvent& event);
  void QueueSynced();
  void QueueOwnedRoutingRemoved(const OwnedRoutingRemovedEvent& event);
  // Delivers everything queued so far, in order; returns how many events ran handlers.
  size_t DeliverPending();
  // From now on, queued events are delivered by posting to `io`.
  void DeliverOn(boost::asio::io_context& io) { io_ = &io; }
  size_t pending() const { return queue_.size(); }
  bool started() const { return started_; }

 private:
  struct Synced {};
  using Event = std::variant<LinkEvent, AddressEvent, Synced, OwnedRoutingRemovedEvent>;

  void Queue(Event event);
  void OnLinkChanged(const Link& link, bool removed) override;
  void OnAddressChanged(const InterfaceAddress& address, bool removed) override;

  FakeRoutingEdge* kernel_ = nullptr;
  boost::asio::io_context* io_ = nullptr;
  NetlinkHandlers handlers_;
  std::deque<Event> queue_;
  bool started_ = false;
  // Posted deliveries check it, so destroying the monitor before the io_context runs is safe.
  std::shared_ptr<FakeNetlinkMonitor*> alive_ = std::make_shared<FakeNetlinkMonitor*>(this);
};

}  // namespace uplinkd::net
