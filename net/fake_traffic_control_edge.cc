#include "net/fake_traffic_control_edge.h"

#include <cerrno>
#include <utility>

namespace uplinkd::net {

namespace {

Result<void> TakeFailure(std::optional<Error>& injected) {
  if (!injected) return {};
  Error error = std::move(*injected);
  injected.reset();
  return tl::unexpected<Error>(std::move(error));
}

// The kernel edge's in-place test: same handle, same default, same set of lanes.
bool SameShape(const HtbTree& a, const HtbTree& b) {
  if (a.major != b.major || a.default_minor != b.default_minor || a.lanes.size() != b.lanes.size()) return false;
  for (size_t i = 0; i < a.lanes.size(); ++i) {
    if (a.lanes[i].minor != b.lanes[i].minor) return false;  // both normalized: sorted by minor
  }
  return true;
}

}  // namespace

Result<void> FakeTrafficControlEdge::ApplyHtb(const HtbTree& tree) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return failure;
  if (auto valid = ValidateHtbTree(tree); !valid) return valid;
  if (missing_interfaces_.count(tree.interface) > 0) {
    return MakeError(ErrorCode::kNotFound, "htb tree on '" + tree.interface + "': no such interface", ENODEV);
  }
  HtbTree wanted = NormalizeHtbTree(tree);
  auto it = roots_.find(tree.interface);
  if (it != roots_.end() && it->second.tree && SameShape(*it->second.tree, wanted)) {
    it->second.tree = wanted;
    calls_.push_back({Call::Kind::kChangedInPlace, tree.interface, tree.major});
    return {};
  }
  RootQdisc root{.kind = "htb", .major = wanted.major, .tree = wanted, .counters = {}};
  for (const HtbLane& lane : wanted.lanes) root.counters[lane.minor] = HtbLaneCounters{.minor = lane.minor};
  roots_[tree.interface] = std::move(root);
  calls_.push_back({Call::Kind::kReplaced, tree.interface, tree.major});
  return {};
}

Result<void> FakeTrafficControlEdge::RemoveHtb(const std::string& interface, uint16_t major) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return failure;
  auto it = roots_.find(interface);
  if (it == roots_.end() || it->second.kind != "htb" || it->second.major != major) return {};
  roots_.erase(it);
  calls_.push_back({Call::Kind::kRemoved, interface, major});
  return {};
}

Result<std::optional<HtbTree>> FakeTrafficControlEdge::ReadHtb(const std::string& interface, uint16_t major) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return tl::unexpected(failure.error());
  const RootQdisc* root = FindOurs(interface, major);
  if (!root) return std::optional<HtbTree>();
  return root->tree;
}

Result<std::vector<HtbLaneCounters>> FakeTrafficControlEdge::ReadCounters(const std::string& interface,
                                                                          uint16_t major) {
  if (auto failure = TakeFailure(injected_failure_); !failure) return tl::unexpected(failure.error());
  std::vector<HtbLaneCounters> result;
  const RootQdisc* root = FindOurs(interface, major);
  if (!root) return result;
  for (const HtbLane& lane : root->tree->lanes) result.push_back(root->counters.at(lane.minor));
  return result;
}

void FakeTrafficControlEdge::RemoveInterface(const std::string& interface) {
  missing_interfaces_.insert(interface);
  roots_.erase(interface);
}

void FakeTrafficControlEdge::SetForeignRootQdisc(const std::string& interface, const std::string& kind,
                                                 uint16_t major) {
  roots_[interface] = RootQdisc{.kind = kind, .major = major, .tree = std::nullopt, .counters = {}};
}

std::optional<std::string> FakeTrafficControlEdge::RootQdiscKind(const std::string& interface) const {
  auto it = roots_.find(interface);
  if (it == roots_.end()) return std::nullopt;
  return it->second.kind;
}

bool FakeTrafficControlEdge::SetCounters(const std::string& interface, uint16_t major,
                                         const HtbLaneCounters& counters) {
  auto it = roots_.find(interface);
  if (it == roots_.end() || !it->second.tree || it->second.major != major) return false;
  auto lane = it->second.counters.find(counters.minor);
  if (lane == it->second.counters.end()) return false;
  lane->second = counters;
  return true;
}

const FakeTrafficControlEdge::RootQdisc* FakeTrafficControlEdge::FindOurs(const std::string& interface,
                                                                         uint16_t major) const {
  if (missing_interfaces_.count(interface) > 0) return nullptr;
  auto it = roots_.find(interface);
  if (it == roots_.end() || !it->second.tree || it->second.major != major) return nullptr;
  return &it->second;
}

}  // namespace uplinkd::net
