#pragma once
// The one picture of the gateway's links and their addresses, fed by the netlink monitor. The
// composition root applies each monitor event here and tells the parts that care (the policy, the
// state store) only when something changed; they read this table instead of keeping a copy.
// The monitor may repeat itself (after a resync it reports everything again), so applying an event
// says whether anything actually changed.
#include <map>
#include <string>
#include <vector>

#include "net/netlink_monitor.h"

namespace uplinkd::net {

struct LinkEntry {
  LinkEvent link;                  // `removed` is always false here
  std::vector<IpPrefix> addresses;  // in the order the kernel reported them (the first is primary)
  bool up() const { return link.admin_up && link.carrier; }
  friend bool operator==(const LinkEntry&, const LinkEntry&) = default;
};

class LinkTable {
 public:
  // Each returns true when the table changed.
  bool Apply(const LinkEvent& event);
  bool Apply(const AddressEvent& event);

  // By interface index.
  const std::map<int, LinkEntry>& entries() const { return entries_; }
  const LinkEntry* Find(const std::string& name) const;  // nullptr for "" or an unknown name

 private:
  std::map<int, LinkEntry> entries_;
};

}  // namespace uplinkd::net
