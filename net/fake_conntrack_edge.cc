#include "net/fake_conntrack_edge.h"

namespace uplinkd::net {

Result<uint32_t> FakeConntrackEdge::DeleteByMark(uint32_t value, uint32_t mask) {
  // As the real edge: a zero mask would be a flush of everything.
  if (mask == 0 || (value & ~mask) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "conntrack: the mark value must lie inside a non-zero mask");
  }
  deletions_.push_back({value, mask});
  uint32_t deleted = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if ((it->second & mask) == value) {
      it = entries_.erase(it);
      ++deleted;
    } else {
      ++it;
    }
  }
  return deleted;
}

}  // namespace uplinkd::net
