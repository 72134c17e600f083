#pragma once
// Link and address changes from the kernel, as our own events, delivered on the daemon's event
// loop. Real implementation: LibnlNetlinkMonitor (rtnetlink multicast groups read through libnl on
// the io_context). Fake: FakeNetlinkMonitor (tests emit events, or it follows a FakeRoutingEdge).
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "net/ip_prefix.h"

namespace uplinkd::net {

struct LinkEvent {
  int index = 0;
  std::string name;
  bool admin_up = false;  // IFF_UP
  bool carrier = false;   // IFF_LOWER_UP
  uint32_t mtu = 0;
  bool removed = false;   // the link is gone (RTM_DELLINK)
  friend bool operator==(const LinkEvent&, const LinkEvent&) = default;
};

struct AddressEvent {
  int link_index = 0;
  IpPrefix prefix;       // the address with its prefix length
  bool removed = false;  // RTM_DELADDR
  friend bool operator==(const AddressEvent&, const AddressEvent&) = default;
};

// A rule or route carrying uplinkd's protocol (kUplinkdProtocol) went away (RTM_DELRULE,
// RTM_DELROUTE): uplinkd's own reconcile did it, or someone else (`ip rule flush`); the consumer
// tells which by reconciling.
struct OwnedRoutingRemovedEvent {
  enum class Kind { kRule, kRoute };
  Kind kind = Kind::kRule;
  IpFamily family = IpFamily::kV4;
  uint32_t table = 0;
  uint32_t priority = 0;  // rules: the rule's priority; routes: the metric
  friend bool operator==(const OwnedRoutingRemovedEvent&, const OwnedRoutingRemovedEvent&) = default;
};

struct NetlinkHandlers {
  std::function<void(const LinkEvent&)> on_link;
  std::function<void(const AddressEvent&)> on_address;
  // Called once the snapshot of existing links and addresses has been reported (and again after
  // each resynchronisation), so a consumer knows its picture is complete.
  std::function<void()> on_synced;
  // Optional: set, the monitor also watches rules and routes (IPv4 and IPv6) and reports those
  // of uplinkd that were removed. After lost events nothing can say which went: on_synced then
  // means "check everything".
  std::function<void(const OwnedRoutingRemovedEvent&)> on_owned_routing_removed;
};

class NetlinkMonitor {
 public:
  virtual ~NetlinkMonitor() = default;

  // Subscribes first, then reports every existing link and address as events (the snapshot), then
  // changes as they happen. Events say "this is now so", not "this changed": the same state may be
  // reported twice (the kernel repeats itself, and after it dropped events because the socket
  // overflowed the monitor reports everything again). Handlers run on the event loop, never inside
  // Start(). A handler may call Stop().
  virtual Result<void> Start(NetlinkHandlers handlers) = 0;
  // No handler runs after Stop() returns. Start() may be called again.
  virtual void Stop() = 0;
};

std::string ToString(const LinkEvent& event);
std::string ToString(const AddressEvent& event);
std::string ToString(const OwnedRoutingRemovedEvent& event);

}  // namespace uplinkd::net
