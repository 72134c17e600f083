#include "policy/lane_actuator.h"

#include <algorithm>

#include "policy/lane_layout.h"

namespace uplinkd::policy {

Result<void> LaneActuator::Apply(const std::vector<net::HtbTree>& trees, const std::vector<std::string>& wan_interfaces) {
  Result<void> outcome;
  auto keep_first_error = [&](Result<void> result) {
    if (!result && outcome) outcome = std::move(result);
    return static_cast<bool>(result);
  };
  auto wanted = [&](const std::string& interface) {
    return std::any_of(trees.begin(), trees.end(), [&](const net::HtbTree& tree) { return tree.interface == interface; });
  };
  // Trees of ours on interfaces that have none now (lanes gone, the Wan moved to another link).
  for (auto it = applied_.begin(); it != applied_.end();) {
    if (wanted(it->first)) {
      ++it;
      continue;
    }
    if (keep_first_error(edge_.RemoveHtb(it->first, kLaneMajor))) {
      reconciled_.insert(it->first);
      it = applied_.erase(it);
    } else {
      ++it;
    }
  }
  // A predecessor's tree on a Wan interface that gets none from us.
  for (const auto& interface : wan_interfaces) {
    if (interface.empty() || wanted(interface) || reconciled_.count(interface)) continue;
    if (keep_first_error(edge_.RemoveHtb(interface, kLaneMajor))) reconciled_.insert(interface);
  }
  for (const auto& tree : trees) {
    auto it = applied_.find(tree.interface);
    if (it != applied_.end() && it->second == tree) continue;
    if (keep_first_error(edge_.ApplyHtb(tree))) {
      applied_[tree.interface] = tree;
      reconciled_.insert(tree.interface);
    }
  }
  return outcome;
}

void LaneActuator::Invalidate(const std::string& interface) {
  applied_.erase(interface);
  reconciled_.erase(interface);
}

Result<void> LaneActuator::RemoveAll() {
  Result<void> outcome;
  for (auto it = applied_.begin(); it != applied_.end();) {
    auto removed = edge_.RemoveHtb(it->first, kLaneMajor);
    if (removed) {
      it = applied_.erase(it);
    } else {
      if (outcome) outcome = std::move(removed);
      ++it;
    }
  }
  reconciled_.clear();
  return outcome;
}

Result<std::vector<net::HtbLaneCounters>> LaneActuator::Counters(const std::string& interface) const {
  return edge_.ReadCounters(interface, kLaneMajor);
}

}  // namespace uplinkd::policy
