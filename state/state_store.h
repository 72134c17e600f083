#pragma once
// The one state store: the latest typed Snapshot of every part of the daemon, and change
// notification. Each part has a source, the owner's typed accessor (the policy's WanStatuses(),
// the relay's Status(), the link table, ...). An owner that changed calls MarkChanged(); the
// store refreshes every part once at the end of that loop turn (however many changes the turn
// had), compares each with what it held, and calls its subscribers once with the new snapshot
// and exactly the parts that differ. Nothing is published before Start() nor after Stop().
//
// Adding a part (tunnels, out-of-band): a member of Snapshot, a StatePart, a PartTraits
// specialisation below, a source in the composition root, and the renderers that show it.
#include <array>
#include <functional>
#include <map>
#include <memory>

#include "base/scheduler.h"
#include "base/subscription.h"
#include "state/state_snapshot.h"

namespace uplinkd::state {

template <StatePart Part>
struct PartTraits;
#define UPLINKD_STATE_PART(part, member_name)                                   \
  template <>                                                                   \
  struct PartTraits<part> {                                                     \
    using Type = decltype(Snapshot::member_name);                               \
    static Type& Of(Snapshot& snapshot) { return snapshot.member_name; }        \
  }
UPLINKD_STATE_PART(StatePart::kDaemon, daemon);
UPLINKD_STATE_PART(StatePart::kModems, modems);
UPLINKD_STATE_PART(StatePart::kLinks, links);
UPLINKD_STATE_PART(StatePart::kWans, wans);
UPLINKD_STATE_PART(StatePart::kPaths, paths);
UPLINKD_STATE_PART(StatePart::kAlerts, alerts);
UPLINKD_STATE_PART(StatePart::kInference, inference);
UPLINKD_STATE_PART(StatePart::kEvents, recent_events);
#undef UPLINKD_STATE_PART

class StateStore {
 public:
  using Observer = std::function<void(const Snapshot& snapshot, const StateChanges& changes)>;

  explicit StateStore(Scheduler& scheduler) : scheduler_(scheduler) {}
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // The part's source; a part without one keeps its default value.
  template <StatePart Part>
  void SetSource(std::function<typename PartTraits<Part>::Type()> source) {
    sources_[static_cast<size_t>(Part)] = [source = std::move(source)](Snapshot& snapshot) {
      auto next = source();
      auto& current = PartTraits<Part>::Of(snapshot);
      if (current == next) return false;
      current = std::move(next);
      return true;
    };
  }

  // Something changed: refresh and notify at the end of this loop turn (once, however often
  // this is called before then).
  void MarkChanged();
  // Refresh and notify now (a D-Bus method's answer must follow its effect); cancels a pending
  // end-of-turn refresh. Before Start (or after Stop) it refreshes the snapshot without telling
  // anyone (the D-Bus objects' first values).
  void Flush();
  // From now on changes are published; the first publication (now) reports every part.
  void Start();
  // No more publications (the daemon is going away); Flush() first for a last one.
  void Stop();

  [[nodiscard]] Subscription Subscribe(Observer observer);
  const Snapshot& snapshot() const { return snapshot_; }
  uint64_t publications() const { return publications_; }

 private:
  StateChanges Refresh();
  void Notify(const StateChanges& changes);

  Scheduler& scheduler_;
  std::array<std::function<bool(Snapshot&)>, kStatePartCount> sources_{};
  Snapshot snapshot_;
  bool started_ = false;
  TimerHandle pending_;
  uint64_t publications_ = 0;
  // Shared with the subscriptions' handles, so a handle outliving the store is harmless.
  std::shared_ptr<std::map<uint64_t, Observer>> observers_ = std::make_shared<std::map<uint64_t, Observer>>();
  uint64_t next_observer_ = 0;
};

}  // namespace uplinkd::state
