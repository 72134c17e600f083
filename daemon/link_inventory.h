#pragma once
// The daemon's picture of the gateway's links and their addresses, built from netlink monitor
// events. The monitor may repeat itself (after a resync it reports everything again), so applying
// an event says whether anything actually changed, and only then is state republished.
#include <map>
#include <set>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "net/netlink_monitor.h"

namespace uplinkd {

class LinkInventory {
 public:
  struct Entry {
    net::LinkEvent link;
    std::set<net::IpPrefix> addresses;
  };

  // Each returns true when the picture changed.
  bool Apply(const net::LinkEvent& event);
  bool Apply(const net::AddressEvent& event);

  const std::map<int, Entry>& links() const { return links_; }
  const Entry* Find(const std::string& name) const;
  // [{"name", "index", "admin_up", "carrier", "mtu", "addresses": ["a/n", ...]}, ...] by index.
  nlohmann::json ToJson() const;

 private:
  std::map<int, Entry> links_;
};

}  // namespace uplinkd
