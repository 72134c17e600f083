#include "state/state_store.h"

namespace uplinkd::state {

const char* StatePartName(StatePart part) {
  switch (part) {
    case StatePart::kDaemon: return "daemon";
    case StatePart::kModems: return "modems";
    case StatePart::kLinks: return "links";
    case StatePart::kWans: return "wans";
    case StatePart::kPaths: return "paths";
    case StatePart::kAlerts: return "alerts";
    case StatePart::kInference: return "inference";
    case StatePart::kEvents: return "recent_events";
  }
  return "?";
}

const char* WorkerPhaseName(WorkerPhase phase) {
  switch (phase) {
    case WorkerPhase::kStopped: return "stopped";
    case WorkerPhase::kRunning: return "running";
    case WorkerPhase::kBackingOff: return "backing-off";
    case WorkerPhase::kStopping: return "stopping";
  }
  return "?";
}

StateStore::~StateStore() { pending_.Cancel(); }

void StateStore::MarkChanged() {
  if (!started_ || pending_.armed()) return;
  // A zero-delay timer runs after everything already queued on the loop: the rest of this turn's
  // changes fold into the one refresh.
  pending_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] {
    pending_ = TimerHandle();
    Flush();
  });
}

void StateStore::Flush() {
  pending_.Cancel();
  StateChanges changes = Refresh();
  if (started_ && changes.Any()) Notify(changes);
}

void StateStore::Start() {
  if (started_) return;
  started_ = true;
  Refresh();
  Notify(StateChanges::All());
}

void StateStore::Stop() {
  started_ = false;
  pending_.Cancel();
}

StateChanges StateStore::Refresh() {
  StateChanges changes;
  for (size_t i = 0; i < kStatePartCount; ++i) {
    if (sources_[i] && sources_[i](snapshot_)) changes.Add(static_cast<StatePart>(i));
  }
  snapshot_.taken = scheduler_.Now();
  return changes;
}

void StateStore::Notify(const StateChanges& changes) {
  ++publications_;
  // A copy: an observer may subscribe or unsubscribe from inside its call.
  auto observers = *observers_;
  for (const auto& [id, observer] : observers) {
    if (observers_->count(id)) observer(snapshot_, changes);
  }
}

Subscription StateStore::Subscribe(Observer observer) {
  uint64_t id = next_observer_++;
  (*observers_)[id] = std::move(observer);
  std::weak_ptr<std::map<uint64_t, Observer>> observers = observers_;
  return Subscription([observers, id] {
    if (auto alive = observers.lock()) alive->erase(id);
  });
}

}  // namespace uplinkd::state
