#include "net/traffic_control_edge.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace uplinkd::net {

namespace {

constexpr uint16_t kRootClassMinor = 1;
constexpr uint16_t kIngressMajor = 0xffff;
constexpr uint32_t kMaxHtbPriority = 7;   // TC_HTB_NUMPRIO - 1
constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1
constexpr uint64_t kBitsPerByte = 8;

tl::unexpected<Error> Refuse(const HtbTree& tree, const std::string& why) {
  return MakeError(ErrorCode::kInvalidArgument, "htb tree on '" + tree.interface + "': " + why);
}

std::string LaneName(const HtbTree& tree, const HtbLane& lane) {
  char text[16];
  std::snprintf(text, sizeof text, "%x:%x", tree.major, lane.minor);
  return std::string("lane ") + text;
}

}  // namespace

Result<void> ValidateHtbTree(const HtbTree& tree) {
  if (tree.interface.empty() || tree.interface.size() > kMaxInterfaceName) {
    return Refuse(tree, "interface name must be 1 to 15 characters");
  }
  if (tree.major == 0 || tree.major == kIngressMajor) return Refuse(tree, "major must be 1..0xfffe");
  // The kernel keeps rates in bytes per second: less than 8 bit/s is a zero rate there.
  if (tree.rate_bps < kBitsPerByte) return Refuse(tree, "the tree's rate is zero (below 8 bit/s)");
  if (tree.lanes.empty()) return Refuse(tree, "no lanes");
  std::set<uint16_t> minors;
  for (const HtbLane& lane : tree.lanes) {
    if (lane.minor == 0 || lane.minor == kRootClassMinor) {
      return Refuse(tree, LaneName(tree, lane) + ": minors 0 and 1 are reserved");
    }
    if (!minors.insert(lane.minor).second) return Refuse(tree, LaneName(tree, lane) + ": duplicate minor");
    if (lane.rate_bps < kBitsPerByte) return Refuse(tree, LaneName(tree, lane) + ": zero rate (below 8 bit/s)");
    if (lane.ceil_bps < lane.rate_bps) return Refuse(tree, LaneName(tree, lane) + ": ceil below rate");
    if (lane.priority > kMaxHtbPriority) return Refuse(tree, LaneName(tree, lane) + ": prio above 7");
    if (lane.queue_packets == 0) return Refuse(tree, LaneName(tree, lane) + ": zero queue limit");
  }
  if (minors.count(tree.default_minor) == 0) return Refuse(tree, "the default minor is not a lane");
  return {};
}

HtbTree NormalizeHtbTree(HtbTree tree) {
  auto whole_bytes = [](uint64_t bps) { return bps / kBitsPerByte * kBitsPerByte; };
  tree.rate_bps = whole_bytes(tree.rate_bps);
  for (HtbLane& lane : tree.lanes) {
    lane.rate_bps = whole_bytes(lane.rate_bps);
    lane.ceil_bps = whole_bytes(lane.ceil_bps);
  }
  std::sort(tree.lanes.begin(), tree.lanes.end(),
            [](const HtbLane& a, const HtbLane& b) { return a.minor < b.minor; });
  return tree;
}

}  // namespace uplinkd::net
