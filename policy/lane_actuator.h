#pragma once
// Applies the per-Wan HTB trees (the priority lanes) through net::TrafficControlEdge, sending only
// what changed. Reconciles lazily: the first time it meets a Wan interface that gets no tree, it
// removes any HTB with uplinkd's major (0x55) there (a crashed predecessor's); a wanted tree
// replaces whatever the interface had. RemoveAll() removes what it installed and nothing else.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "net/traffic_control_edge.h"

namespace uplinkd::policy {

class LaneActuator {
 public:
  explicit LaneActuator(net::TrafficControlEdge& edge) : edge_(edge) {}

  // `trees`: one per Wan interface that has lanes now. `wan_interfaces`: every Wan interface
  // known now (those without a tree are cleaned once). Trees already in place are not resent; a
  // Wan interface that had a tree and has none now loses it. Keeps going past an error and
  // returns the first one; what failed is retried on the next call.
  Result<void> Apply(const std::vector<net::HtbTree>& trees, const std::vector<std::string>& wan_interfaces);
  // The kernel may have lost what was there (the link went away and came back): resend next time.
  void Invalidate(const std::string& interface);
  // Removes every tree this actuator installed.
  Result<void> RemoveAll();

  Result<std::vector<net::HtbLaneCounters>> Counters(const std::string& interface) const;
  const std::map<std::string, net::HtbTree>& applied() const { return applied_; }

 private:
  net::TrafficControlEdge& edge_;
  std::map<std::string, net::HtbTree> applied_;  // by interface
  std::set<std::string> reconciled_;            // interfaces known to hold no stale tree of ours
};

}  // namespace uplinkd::policy
