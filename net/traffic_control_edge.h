#pragma once
// Egress traffic control as uplinkd needs it: one HTB tree per Wan interface (the priority lanes),
// owned whole by uplinkd. Real implementation: LibnlTrafficControlEdge (libnl-route-3 qdisc and
// class calls). Fake: FakeTrafficControlEdge (keeps the trees it was given).
//
// The shape is fixed and small: root qdisc <major>: htb (default <major>:<default_minor>), one
// root class <major>:1 at the tree's rate, and under it one leaf class per lane, each with a pfifo
// leaf qdisc. A packet reaches a lane when its skb priority is <major>:<minor> (nftables `meta
// priority set`, or SO_PRIORITY); anything else goes to the default lane.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::net {

struct HtbLane {
  uint16_t minor = 0;          // class <major>:<minor>; 2..0xffff (1 is the root class)
  uint64_t rate_bps = 0;       // bits per second guaranteed (HTB rate)
  uint64_t ceil_bps = 0;       // bits per second at most (HTB ceil), >= rate_bps
  uint32_t priority = 0;       // HTB prio 0..7: lower is served first
  uint32_t queue_packets = 0;  // the leaf pfifo's limit
  friend bool operator==(const HtbLane&, const HtbLane&) = default;
};

struct HtbTree {
  std::string interface;
  uint16_t major = 0;          // qdisc handle <major>:, non-zero
  uint64_t rate_bps = 0;       // the root class's rate and ceil: the shaper's rate
  uint16_t default_minor = 0;  // one of the lanes
  std::vector<HtbLane> lanes;
  friend bool operator==(const HtbTree&, const HtbTree&) = default;
};

// Counters of one lane since its class was created.
struct HtbLaneCounters {
  uint16_t minor = 0;
  uint64_t bytes = 0;
  uint64_t packets = 0;
  uint64_t drops = 0;
  uint32_t backlog_packets = 0;  // queued now
  friend bool operator==(const HtbLaneCounters&, const HtbLaneCounters&) = default;
};

// Refuses a tree that makes no sense (the list in ApplyHtb below, plus: an empty or over-long
// interface name, major 0xffff (the ingress handle), an HTB prio above 7, a zero queue limit).
// Both the kernel edge and the fake call it, so they refuse the same trees.
Result<void> ValidateHtbTree(const HtbTree& tree);

// The tree as the kernel keeps it and ReadHtb returns it: lanes by ascending minor, every rate
// rounded down to whole bytes per second (the kernel's unit).
HtbTree NormalizeHtbTree(HtbTree tree);

class TrafficControlEdge {
 public:
  virtual ~TrafficControlEdge() = default;

  // Makes the interface's root egress qdisc exactly `tree`. When an HTB with the same handle and
  // the same set of lanes is there already, only rates, ceilings, priorities and queue limits are
  // changed in place (queued packets stay); otherwise whatever root qdisc the interface had is
  // replaced. A tree that makes no sense (no lanes, default not a lane, ceil < rate, a zero rate,
  // duplicate or reserved minors) is refused before anything is sent.
  virtual Result<void> ApplyHtb(const HtbTree& tree) = 0;
  // Removes the interface's root qdisc if it is an HTB with handle <major>:. No such interface or
  // qdisc, or another qdisc there: success, nothing changed.
  virtual Result<void> RemoveHtb(const std::string& interface, uint16_t major) = 0;
  // The HTB tree with handle <major>: on the interface as the kernel has it; nullopt when the
  // interface's root qdisc is anything else or the interface does not exist.
  virtual Result<std::optional<HtbTree>> ReadHtb(const std::string& interface, uint16_t major) = 0;
  // Per-lane counters of that tree (empty when there is none).
  virtual Result<std::vector<HtbLaneCounters>> ReadCounters(const std::string& interface, uint16_t major) = 0;
};

}  // namespace uplinkd::net
