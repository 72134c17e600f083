#include "daemon/link_inventory.h"

#include <nlohmann/json.hpp>

namespace uplinkd {

bool LinkInventory::Apply(const net::LinkEvent& event) {
  if (event.removed) return links_.erase(event.index) > 0;
  auto [it, inserted] = links_.try_emplace(event.index);
  if (!inserted && it->second.link == event) return false;
  it->second.link = event;
  return true;
}

bool LinkInventory::Apply(const net::AddressEvent& event) {
  auto it = links_.find(event.link_index);
  if (it == links_.end()) {
    // An address of a link not reported yet: keep it, the link event will follow.
    if (event.removed) return false;
    it = links_.emplace(event.link_index, Entry{net::LinkEvent{.index = event.link_index}, {}}).first;
  }
  auto& addresses = it->second.addresses;
  return event.removed ? addresses.erase(event.prefix) > 0 : addresses.insert(event.prefix).second;
}

const LinkInventory::Entry* LinkInventory::Find(const std::string& name) const {
  for (const auto& [index, entry] : links_) {
    if (entry.link.name == name) return &entry;
  }
  return nullptr;
}

nlohmann::json LinkInventory::ToJson() const {
  auto list = nlohmann::json::array();
  for (const auto& [index, entry] : links_) {
    auto addresses = nlohmann::json::array();
    for (const auto& prefix : entry.addresses) addresses.push_back(prefix.ToString());
    list.push_back({{"name", entry.link.name},
                    {"index", index},
                    {"admin_up", entry.link.admin_up},
                    {"carrier", entry.link.carrier},
                    {"mtu", entry.link.mtu},
                    {"addresses", addresses}});
  }
  return list;
}

}  // namespace uplinkd
