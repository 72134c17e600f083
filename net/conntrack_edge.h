#pragma once
// The kernel's connection tracking table, as uplinkd needs it: delete the entries of flows pinned
// to one Wan (by their connmark) so they re-route at once, and never flush the whole table.
// Real implementation: LibnetfilterConntrackEdge (libnetfilter_conntrack). Fake: FakeConntrackEdge.
#include <cstdint>

#include "base/result.h"

namespace uplinkd::net {

class ConntrackEdge {
 public:
  virtual ~ConntrackEdge() = default;
  // Deletes every entry (IPv4 and IPv6) whose (ct mark & mask) == value; returns how many went.
  virtual Result<uint32_t> DeleteByMark(uint32_t value, uint32_t mask) = 0;
};

}  // namespace uplinkd::net
