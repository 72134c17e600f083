#include "relay/alert_deliverer.h"

#include <algorithm>
#include <vector>

namespace uplinkd::relay {

const char* BrokerStateName(BrokerState state) {
  switch (state) {
    case BrokerState::kStopped: return "stopped";
    case BrokerState::kConnecting: return "connecting";
    case BrokerState::kConnected: return "connected";
    case BrokerState::kBackingOff: return "backing-off";
  }
  return "?";
}

AlertDeliverer::AlertDeliverer(Scheduler& scheduler, AlertOutbox& outbox, MqttSessionFactory factory,
                               DeliverySettings settings, std::function<int64_t()> wall_clock_ms)
    : scheduler_(scheduler),
      outbox_(outbox),
      factory_(std::move(factory)),
      settings_(std::move(settings)),
      wall_clock_ms_(std::move(wall_clock_ms)),
      backoff_(settings_.backoff_initial) {}

AlertDeliverer::~AlertDeliverer() { Stop(); }

void AlertDeliverer::Start() {
  if (state_ != BrokerState::kStopped) return;
  StartSession();
}

void AlertDeliverer::Stop() {
  if (state_ == BrokerState::kStopped) return;
  state_ = BrokerState::kStopped;
  DropSession();
  retry_timer_.Cancel();
  StateChanged();
}

// Saves what was acknowledged and forgets the session; what was in flight goes again from the
// outbox on the next one.
void AlertDeliverer::DropSession() {
  SaveAcknowledged();
  ++generation_;
  session_.reset();
  in_flight_.clear();
  connect_timer_.Cancel();
  ack_timer_.Cancel();
  save_timer_.Cancel();
}

void AlertDeliverer::StartSession() {
  state_ = BrokerState::kConnecting;
  uint64_t generation = ++generation_;
  MqttSessionHandlers handlers;
  handlers.on_connected = [this, generation] { OnConnected(generation); };
  handlers.on_ended = [this, generation](const std::string& reason) {
    if (generation == generation_) EndSession(reason);
  };
  handlers.on_acknowledged = [this, generation](int message_id) { OnAcknowledged(generation, message_id); };
  auto session = factory_(path_, socket_options_, std::move(handlers));
  if (!session) return EndSession(Describe(session.error()));
  session_ = std::move(*session);
  if (auto started = session_->Connect(); !started) return EndSession(Describe(started.error()));
  connect_timer_ = scheduler_.RunAfter(settings_.connect_timeout, [this, generation] {
    if (generation == generation_ && state_ == BrokerState::kConnecting) {
      EndSession(fmt::format("no CONNACK within {} ms", settings_.connect_timeout.count()));
    }
  });
  Changed();
  StateChanged();
}

void AlertDeliverer::Restart(const std::string& reason) {
  if (state_ == BrokerState::kStopped) return;
  log_.Info("{}: reconnecting now", reason);
  DropSession();
  retry_timer_.Cancel();
  backoff_ = settings_.backoff_initial;
  StartSession();
}

void AlertDeliverer::EndSession(const std::string& reason) {
  if (state_ == BrokerState::kStopped) return;
  if (state_ == BrokerState::kConnected) BlameHead();
  // Unacknowledged PUBLISHes go again on the next session, from the outbox.
  DropSession();
  ++stats_.session_failures;
  stats_.last_error = reason;
  log_.Warning("broker session ended: {}; next attempt in {} ms", reason, backoff_.count());
  state_ = BrokerState::kBackingOff;
  retry_timer_ = scheduler_.RunAfter(backoff_, [this] { StartSession(); });
  backoff_ = std::min(backoff_ * 2, settings_.backoff_max);
  Changed();
  StateChanged();
}

void AlertDeliverer::BlameHead() {
  const InFlight* head = nullptr;
  for (const auto& [message_id, entry] : in_flight_) {
    if (head == nullptr || entry.order < head->order) head = &entry;
  }
  if (head == nullptr) return;
  std::string id = head->id;
  auto parked = outbox_.RecordFailedAttempt(id, settings_.park_after_attempts, wall_clock_ms_());
  if (!parked) {
    log_.Error("{}", Describe(parked.error()));
    return;
  }
  if (*parked && hooks_.parked) hooks_.parked(id);
}

void AlertDeliverer::OnConnected(uint64_t generation) {
  if (generation != generation_ || state_ != BrokerState::kConnecting) return;
  state_ = BrokerState::kConnected;
  connect_timer_.Cancel();
  ++stats_.connects;
  backoff_ = settings_.backoff_initial;
  log_.Info("connected to the broker; {} alert(s) pending{}", outbox_.counts().pending,
            publishing_ ? "" : " (standby)");
  // Alerts drain first: this session carries nothing else, and the window fills in drain order.
  FillWindow();
  Changed();
  StateChanged();
}

void AlertDeliverer::AlertQueued() { FillWindow(); }

void AlertDeliverer::FillWindow() {
  if (!publishing_ || state_ != BrokerState::kConnected || in_flight_.size() >= settings_.max_in_flight) return;
  size_t wanted = settings_.max_in_flight - in_flight_.size();
  auto pending = outbox_.Pending(in_flight_.size() + acknowledged_.size() + wanted);
  if (!pending) {
    log_.Error("{}", Describe(pending.error()));
    return;
  }
  for (const auto& alert : *pending) {
    if (in_flight_.size() >= settings_.max_in_flight) break;
    if (acknowledged_.contains(alert.id)) continue;
    bool sent = std::any_of(in_flight_.begin(), in_flight_.end(),
                            [&](const auto& entry) { return entry.second.id == alert.id; });
    if (sent) continue;
    AlertHold elsewhere = hooks_.held_elsewhere ? hooks_.held_elsewhere(alert.id) : AlertHold::kNone;
    // Acknowledged on another path: delivered as soon as that one saves.
    if (elsewhere == AlertHold::kAcknowledged) continue;
    auto message_id = session_->Publish(settings_.topic, EncodeAlertMessage(alert), settings_.qos);
    if (!message_id) return EndSession("publish: " + Describe(message_id.error()));
    in_flight_[*message_id] = InFlight{alert.id, scheduler_.Now(), ++publish_order_};
    ++stats_.publishes;
    if (elsewhere == AlertHold::kInFlight) ++stats_.duplicate_publishes;
  }
  ArmAckTimer();
}

void AlertDeliverer::OnAcknowledged(uint64_t generation, int message_id) {
  if (generation != generation_) return;
  auto found = in_flight_.find(message_id);
  if (found == in_flight_.end()) return;
  acknowledged_.insert(found->second.id);
  in_flight_.erase(found);
  ++stats_.delivered;
  stats_.last_delivery_ms = wall_clock_ms_();
  // PUBACKs read in one loop turn are saved in one transaction (one fsync).
  if (!save_timer_.armed()) save_timer_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { SaveAcknowledged(); });
  FillWindow();
  Changed();
}

void AlertDeliverer::SaveAcknowledged() {
  save_timer_.Cancel();
  if (acknowledged_.empty()) return;
  std::vector<std::string> ids(acknowledged_.begin(), acknowledged_.end());
  auto saved = outbox_.MarkDelivered(ids, wall_clock_ms_());
  if (!saved) {
    // Kept for the next save; if the daemon dies first they are sent again (at-least-once).
    log_.Error("{}", Describe(saved.error()));
    return;
  }
  stats_.first_delivered += *saved;
  acknowledged_.clear();
  Changed();
  // Other publishing paths may have left these out of their windows: they refill now.
  if (hooks_.saved) hooks_.saved();
}

void AlertDeliverer::ArmAckTimer() {
  if (in_flight_.empty()) {
    ack_timer_.Cancel();
    return;
  }
  SteadyTime oldest = SteadyTime::max();
  for (const auto& [message_id, entry] : in_flight_) oldest = std::min(oldest, entry.sent);
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(oldest + settings_.ack_timeout - scheduler_.Now());
  ack_timer_ = scheduler_.RunAfter(std::max(wait, std::chrono::milliseconds(0)), [this] {
    SteadyTime now = scheduler_.Now();
    for (const auto& [message_id, entry] : in_flight_) {
      if (now - entry.sent >= settings_.ack_timeout) {
        return EndSession(fmt::format("no PUBACK for {} within {} ms", entry.id, settings_.ack_timeout.count()));
      }
    }
    ArmAckTimer();
  });
}

void AlertDeliverer::SetSocketOptions(const SocketOptions& options) {
  bool rebind = options.bind_address != socket_options_.bind_address ||
                options.bind_device != socket_options_.bind_device;
  socket_options_ = options;
  if (rebind && state_ != BrokerState::kStopped) {
    // A bound socket cannot move; a new address is not a failure, so no back-off.
    return Restart(fmt::format("source now {}{}", options.bind_address.empty() ? "any" : options.bind_address,
                               options.bind_device.empty() ? "" : " dev " + options.bind_device));
  }
  if (session_) session_->ApplySocketOptions(options);
}

void AlertDeliverer::SetPublishing(bool publishing) {
  if (publishing == publishing_) return;
  publishing_ = publishing;
  FillWindow();
  Changed();
}

AlertHold AlertDeliverer::HoldOf(const std::string& id) const {
  if (acknowledged_.contains(id)) return AlertHold::kAcknowledged;
  for (const auto& [message_id, entry] : in_flight_) {
    if (entry.id == id) return AlertHold::kInFlight;
  }
  return AlertHold::kNone;
}

void AlertDeliverer::StateChanged() {
  if (hooks_.state_changed) hooks_.state_changed();
}

void AlertDeliverer::Changed() {
  if (on_change_) on_change_();
}

}  // namespace uplinkd::relay
