#pragma once
// An in-memory conntrack table for unit tests: entries are just (id, mark).
#include <cstdint>
#include <map>
#include <vector>

#include "net/conntrack_edge.h"

namespace uplinkd::net {

class FakeConntrackEdge : public ConntrackEdge {
 public:
  void AddEntry(uint64_t id, uint32_t mark) { entries_[id] = mark; }
  const std::map<uint64_t, uint32_t>& entries() const { return entries_; }
  struct Deletion {
    uint32_t value = 0;
    uint32_t mask = 0;
    friend bool operator==(const Deletion&, const Deletion&) = default;
  };
  const std::vector<Deletion>& deletions() const { return deletions_; }

  Result<uint32_t> DeleteByMark(uint32_t value, uint32_t mask) override;

 private:
  std::map<uint64_t, uint32_t> entries_;
  std::vector<Deletion> deletions_;
};

}  // namespace uplinkd::net
