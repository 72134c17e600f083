#pragma once
// TrafficControlEdge for unit tests: keeps one root qdisc per interface, validates like the
// kernel edge (ValidateHtbTree), keeps lane counters across in-place changes and zeroes them on
// a replacement, and logs what each successful mutation did to the kernel's state.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/traffic_control_edge.h"

namespace uplinkd::net {

class FakeTrafficControlEdge : public TrafficControlEdge {
 public:
  // What a call did, as the kernel would have seen it.
  struct Call {
    enum class Kind {
      kReplaced,        // ApplyHtb put a new tree in place of whatever root qdisc was there
      kChangedInPlace,  // ApplyHtb changed classes and queue limits of the same-shaped tree
      kRemoved,         // RemoveHtb deleted our tree
    };
    Kind kind;
    std::string interface;
    uint16_t major = 0;
    friend bool operator==(const Call&, const Call&) = default;
  };

  Result<void> ApplyHtb(const HtbTree& tree) override;
  Result<void> RemoveHtb(const std::string& interface, uint16_t major) override;
  Result<std::optional<HtbTree>> ReadHtb(const std::string& interface, uint16_t major) override;
  Result<std::vector<HtbLaneCounters>> ReadCounters(const std::string& interface, uint16_t major) override;

  // Every interface exists until it is removed; removing one drops its qdisc, as the kernel does.
  void RemoveInterface(const std::string& interface);
  void AddInterface(const std::string& interface) { missing_interfaces_.erase(interface); }
  // Someone else's root qdisc (e.g. "tbf", or "htb" with another major) on the interface.
  void SetForeignRootQdisc(const std::string& interface, const std::string& kind, uint16_t major);
  // The kind of the interface's root qdisc ("htb", "tbf", ...) or nullopt for the default one.
  std::optional<std::string> RootQdiscKind(const std::string& interface) const;
  // Sets one lane's counters as if packets had passed; false when there is no such lane.
  bool SetCounters(const std::string& interface, uint16_t major, const HtbLaneCounters& counters);
  // The next call fails with `error` and changes nothing (one shot).
  void FailNextCall(Error error) { injected_failure_ = std::move(error); }
  const std::vector<Call>& calls() const { return calls_; }
  void ClearCalls() { calls_.clear(); }

 private:
  struct RootQdisc {
    std::string kind;
    uint16_t major = 0;
    std::optional<HtbTree> tree;                    // set when it is one of our HTB trees
    std::map<uint16_t, HtbLaneCounters> counters;   // by lane minor
  };
  const RootQdisc* FindOurs(const std::string& interface, uint16_t major) const;

  std::map<std::string, RootQdisc> roots_;
  std::set<std::string> missing_interfaces_;
  std::optional<Error> injected_failure_;
  std::vector<Call> calls_;
};

}  // namespace uplinkd::net
