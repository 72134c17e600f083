#include "net/link_table.h"

#include <algorithm>

namespace uplinkd::net {

bool LinkTable::Apply(const LinkEvent& event) {
  if (event.removed) return entries_.erase(event.index) > 0;
  auto [it, inserted] = entries_.try_emplace(event.index);
  if (!inserted && it->second.link == event) return false;
  it->second.link = event;
  return true;
}

bool LinkTable::Apply(const AddressEvent& event) {
  auto it = entries_.find(event.link_index);
  if (it == entries_.end()) {
    // An address of a link not reported yet: keep it, the link event will follow.
    if (event.removed) return false;
    it = entries_.emplace(event.link_index, LinkEntry{LinkEvent{.index = event.link_index}, {}}).first;
  }
  auto& addresses = it->second.addresses;
  auto found = std::find(addresses.begin(), addresses.end(), event.prefix);
  if (event.removed) {
    if (found == addresses.end()) return false;
    addresses.erase(found);
    return true;
  }
  if (found != addresses.end()) return false;
  addresses.push_back(event.prefix);
  return true;
}

const LinkEntry* LinkTable::Find(const std::string& name) const {
  if (name.empty()) return nullptr;
  for (const auto& [index, entry] : entries_) {
    if (entry.link.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace uplinkd::net
