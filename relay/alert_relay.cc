#include "relay/alert_relay.h"

#include <algorithm>
#include <chrono>

#include "base/cares_host_resolver.h"
#include "inference/alert_submission_codec.h"

namespace uplinkd::relay {
namespace {

constexpr size_t kParkedShown = 20;  // status.json lists at most this many parked alerts

int64_t SystemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Refusal(const std::optional<std::string>& ref, std::string error, std::string message, bool retryable) {
  inference::AlertSubmissionReply reply;
  reply.ok = false;
  reply.ref = ref.value_or("");
  reply.error = std::move(error);
  reply.message = std::move(message);
  reply.retryable = retryable;
  return inference::AlertSubmissionCodec::EncodeReply(reply);
}

// The codec's errors read "<code>: <detail>".
std::pair<std::string, std::string> SplitCodecError(const std::string& message) {
  auto colon = message.find(": ");
  if (colon == std::string::npos) return {"bad-json", message};
  return {message.substr(0, colon), message.substr(colon + 2)};
}

// Sums the counters of several sessions (the relay's totals include retired ones).
void AddCounters(AlertDeliverer::Stats& total, const AlertDeliverer::Stats& stats) {
  total.delivered += stats.delivered;
  total.first_delivered += stats.first_delivered;
  total.publishes += stats.publishes;
  total.duplicate_publishes += stats.duplicate_publishes;
  total.connects += stats.connects;
  total.session_failures += stats.session_failures;
  if (stats.last_delivery_ms && (!total.last_delivery_ms || *stats.last_delivery_ms > *total.last_delivery_ms)) {
    total.last_delivery_ms = stats.last_delivery_ms;
  }
}

}  // namespace

Result<std::unique_ptr<AlertRelay>> AlertRelay::Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                       AlertRelaySettings settings, MqttSessionFactory factory) {
  std::unique_ptr<AlertRelay> relay(new AlertRelay(std::move(settings), scheduler));
  relay->wall_clock_ms_ = SystemClockMs;
  auto outbox = AlertOutbox::Open(relay->settings_.outbox_path, relay->settings_.max_alerts);
  if (!outbox) return tl::unexpected(outbox.error());
  relay->outbox_ = std::move(*outbox);
  if (!factory) {
    // A name the resolver cannot answer ends that session attempt within the connect timeout.
    CaresHostResolver::Settings resolving;
    resolving.timeout = std::min<std::chrono::milliseconds>(resolving.timeout, relay->settings_.delivery.connect_timeout);
    relay->resolver_ = std::make_unique<CaresHostResolver>(io, scheduler, resolving);
    factory = MosquittoMqttSession::Factory(io, scheduler, *relay->resolver_, relay->settings_.broker);
  }
  relay->factory_ = std::move(factory);
  AlertRelay* self = relay.get();
  auto socket = AlertSubmissionSocket::Open(
      io, relay->settings_.socket_path, relay->settings_.socket_group,
      [self](std::vector<Submission>& batch) { self->HandleBatch(batch); }, relay->settings_.max_batch);
  if (!socket) return tl::unexpected(socket.error());
  relay->socket_ = std::move(*socket);
  relay->log_.Info("outbox {} holds {} pending alert(s); socket {}; broker {}:{}{}",
                   relay->settings_.outbox_path, relay->outbox_->counts().pending, relay->settings_.socket_path,
                   relay->settings_.broker.host, relay->settings_.broker.port,
                   relay->settings_.broker.ca_file.empty() ? "" : " (TLS)");
  // Until the policy gives routes: one session wherever the kernel routes it.
  relay->SetRoutes({});
  return relay;
}

AlertRelay::~AlertRelay() { Stop(); }

void AlertRelay::Stop() {
  // Deliverers save their acknowledgements as they stop; their hooks must not reach the others.
  stopping_ = true;
  if (socket_) socket_->Close();
  for (auto& path : paths_) path.deliverer->Stop();
  retire_timer_.Cancel();
  retired_.clear();
}

void AlertRelay::set_change_observer(std::function<void()> observer) {
  on_change_ = std::move(observer);
  for (auto& path : paths_) path.deliverer->set_change_observer(on_change_);
}

const AlertDeliverer* AlertRelay::deliverer(const std::string& wan) const {
  for (const auto& path : paths_) {
    if (path.route.wan == wan) return path.deliverer.get();
  }
  return nullptr;
}

std::vector<std::string> AlertRelay::session_wans() const {
  std::vector<std::string> wans;
  for (const auto& path : paths_) wans.push_back(path.route.wan);
  return wans;
}

void AlertRelay::SetSocketOptions(const SocketOptions& options) {
  common_options_ = options;
  for (auto& path : paths_) path.deliverer->SetSocketOptions(OptionsFor(path.route));
}

SocketOptions AlertRelay::OptionsFor(const RelayRoute& route) const {
  SocketOptions options = common_options_;
  if (route.socket.mark) options.mark = route.socket.mark;
  if (route.socket.priority) options.priority = route.socket.priority;
  if (route.socket.rto_min_us) options.rto_min_us = route.socket.rto_min_us;
  if (!route.socket.bind_address.empty()) options.bind_address = route.socket.bind_address;
  if (!route.socket.bind_device.empty()) options.bind_device = route.socket.bind_device;
  return options;
}

AlertRelay::Path AlertRelay::MakePath(const RelayRoute& route) {
  Path path;
  path.route = route;
  path.deliverer = std::make_unique<AlertDeliverer>(scheduler_, *outbox_, factory_, settings_.delivery,
                                                    [this] { return wall_clock_ms_(); });
  AlertDeliverer* deliverer = path.deliverer.get();
  deliverer->set_path(route.wan);
  DelivererHooks hooks;
  hooks.state_changed = [this] { OnPathState(); };
  hooks.saved = [this, deliverer] { Refill(deliverer); };
  hooks.held_elsewhere = [this, deliverer](const std::string& id) { return HeldElsewhere(deliverer, id); };
  hooks.parked = [this](const std::string& id) { OnParked(id); };
  deliverer->set_hooks(std::move(hooks));
  deliverer->set_change_observer(on_change_);
  deliverer->SetSocketOptions(OptionsFor(route));
  // Standby until UpdatePublishing says otherwise: a new session must not publish on a path the
  // routes did not choose.
  deliverer->SetPublishing(false);
  return path;
}

void AlertRelay::RetirePath(Path& path) {
  auto* deliverer = path.deliverer.get();
  deliverer->set_hooks({});
  deliverer->set_change_observer(nullptr);
  deliverer->Stop();
  const auto& stats = deliverer->stats();
  AddCounters(gone_, stats);
  retired_.push_back(std::move(path.deliverer));
  retire_timer_ = scheduler_.RunAfter(std::chrono::milliseconds(0), [this] { retired_.clear(); });
}

void AlertRelay::SetRoutes(const std::vector<RelayRoute>& requested) {
  if (stopping_) return;
  std::vector<RelayRoute> routes;
  for (const auto& route : requested) {
    bool seen = std::any_of(routes.begin(), routes.end(), [&](const auto& r) { return r.wan == route.wan; });
    if (route.wan.empty() || seen) {
      log_.Error("route ignored: {}", route.wan.empty() ? "no Wan name" : "Wan " + route.wan + " given twice");
      continue;
    }
    routes.push_back(route);
  }
  // No routes: the unbound session, publishing.
  if (routes.empty()) routes.push_back(RelayRoute{"", {}, true});

  std::vector<Path> next;
  for (const auto& route : routes) {
    auto found = std::find_if(paths_.begin(), paths_.end(), [&](const auto& p) { return p.route.wan == route.wan; });
    if (found == paths_.end()) {
      next.push_back(MakePath(route));
      continue;
    }
    Path path = std::move(*found);
    paths_.erase(found);
    if (path.route.socket != route.socket) {
      log_.Info("path {}: socket options changed", route.wan);
      path.route = route;
      // Restarts the session at once when the source changed; marks apply live.
      path.deliverer->SetSocketOptions(OptionsFor(route));
    }
    path.route = route;
    next.push_back(std::move(path));
  }
  for (auto& gone : paths_) {
    log_.Info("path {}: removed", gone.route.wan.empty() ? "(unbound)" : gone.route.wan);
    RetirePath(gone);
  }
  paths_ = std::move(next);
  for (auto& path : paths_) path.deliverer->Start();
  UpdatePublishing();
  if (on_change_) on_change_();
}

void AlertRelay::UpdatePublishing() {
  if (stopping_) return;
  uint64_t epoch = ++publishing_epoch_;
  bool chosen_connected = std::any_of(paths_.begin(), paths_.end(), [](const Path& p) {
    return p.route.publishing && p.deliverer->state() == BrokerState::kConnected;
  });
  const Path* fallback = nullptr;
  if (!chosen_connected) {
    for (const auto& path : paths_) {
      if (!path.route.publishing && path.deliverer->state() == BrokerState::kConnected) {
        fallback = &path;
        break;
      }
    }
  }
  // Publishing can re-enter (a failed PUBLISH ends a session, which calls back here), so decide
  // first, then apply while no newer decision was made.
  struct Decision {
    AlertDeliverer* deliverer;
    std::string wan;
    bool publishing;
    bool fallback;
  };
  std::vector<Decision> decisions;
  for (const auto& path : paths_) {
    decisions.push_back({path.deliverer.get(), path.route.wan, path.route.publishing || &path == fallback,
                         &path == fallback});
  }
  for (const auto& decision : decisions) {
    // A nested update (from a session that ended while publishing) applied a newer view.
    if (epoch != publishing_epoch_) return;
    if (decision.deliverer->publishing() == decision.publishing) continue;
    if (!decision.wan.empty()) {
      log_.Info("path {}: {}", decision.wan,
                decision.fallback ? "publishing (fallback: no chosen path is connected)"
                                  : (decision.publishing ? "publishing" : "standby"));
    }
    decision.deliverer->SetPublishing(decision.publishing);
  }
}

void AlertRelay::OnPathState() {
  if (stopping_) return;
  for (auto& path : paths_) {
    const auto& stats = path.deliverer->stats();
    if (stats.session_failures != path.failures_seen) {
      path.failures_seen = stats.session_failures;
      last_error_ = path.route.wan.empty() ? stats.last_error : path.route.wan + ": " + stats.last_error;
    }
  }
  UpdatePublishing();
}

AlertHold AlertRelay::HeldElsewhere(const AlertDeliverer* self, const std::string& id) const {
  AlertHold hold = AlertHold::kNone;
  for (const auto& path : paths_) {
    if (path.deliverer.get() == self) continue;
    AlertHold other = path.deliverer->HoldOf(id);
    if (other == AlertHold::kAcknowledged) return other;
    if (other == AlertHold::kInFlight) hold = other;
  }
  return hold;
}

void AlertRelay::Refill(const AlertDeliverer* except) {
  if (stopping_) return;
  for (auto& path : paths_) {
    if (path.deliverer.get() != except) path.deliverer->AlertQueued();
  }
}

std::string AlertRelay::HandleSubmission(std::string_view datagram, std::optional<uid_t> uid) {
  std::vector<Submission> batch(1);
  batch[0].datagram = std::string(datagram);
  batch[0].uid = uid;
  HandleBatch(batch);
  return std::move(batch[0].reply);
}

bool AlertRelay::Parse(const Submission& submission, NewAlert& alert, std::string& reply) {
  auto parsed = inference::AlertSubmissionCodec::ParseSubmission(submission.datagram);
  if (!parsed) {
    ++stats_.refused;
    auto [code, detail] = SplitCodecError(parsed.error().message);
    // The ref is echoed when the datagram was JSON enough to carry one.
    std::optional<std::string> ref;
    if (code != "too-large") {
      auto json = nlohmann::json::parse(submission.datagram, nullptr, false);
      if (json.is_object() && json.contains("id") && json["id"].is_string()) ref = json["id"].get<std::string>();
    }
    log_.Warning("refused a submission: {}: {}", code, detail);
    reply = Refusal(ref, code, detail, false);
    return false;
  }
  alert.ref = parsed->id;
  alert.source = parsed->source;
  alert.severity = ParseAlertSeverity(parsed->severity).value_or(AlertSeverity::kWarning);
  alert.time = parsed->time;
  alert.payload_json = parsed->payload.dump();
  alert.sender_uid = submission.uid ? static_cast<int64_t>(*submission.uid) : -1;
  return true;
}

void AlertRelay::HandleBatch(std::vector<Submission>& batch) {
  std::vector<NewAlert> alerts;
  std::vector<size_t> owners;  // batch index of each alert
  for (size_t i = 0; i < batch.size(); ++i) {
    NewAlert alert;
    if (!Parse(batch[i], alert, batch[i].reply)) continue;
    alerts.push_back(std::move(alert));
    owners.push_back(i);
  }
  if (!alerts.empty()) {
    auto added = outbox_->AddBatch(alerts, wall_clock_ms_());
    if (!added) {
      // Nothing of the batch is stored: nobody may hear ok. Retryable: the submitter keeps it.
      stats_.storage_errors += alerts.size();
      log_.Warning("could not queue {} alert(s): {}", alerts.size(), added.error().message);
      for (size_t k = 0; k < alerts.size(); ++k) {
        batch[owners[k]].reply = Refusal(alerts[k].ref, "busy", added.error().message, true);
      }
    } else {
      bool queued = false;
      for (size_t k = 0; k < alerts.size(); ++k) {
        const auto& alert = alerts[k];
        auto& outcome = (*added)[k];
        if (!outcome) {
          ++stats_.busy;
          log_.Warning("could not queue a {} alert from {}: {}", AlertSeverityName(alert.severity), alert.source,
                       outcome.error().message);
          batch[owners[k]].reply = Refusal(alert.ref, "busy", outcome.error().message, true);
          continue;
        }
        if (outcome->duplicate) {
          ++stats_.duplicates;
        } else {
          ++stats_.accepted;
          queued = true;
          if (outcome->evicted_was_pending) {
            ++stats_.evicted_pending;
            log_.Warning("outbox full ({} alerts): evicted undelivered {} for a {} alert", outbox_->max_alerts(),
                         *outcome->evicted, AlertSeverityName(alert.severity));
          }
        }
        inference::AlertSubmissionReply reply;
        reply.ok = true;
        reply.id = outcome->id;
        reply.ref = alert.ref.value_or("");
        batch[owners[k]].reply = inference::AlertSubmissionCodec::EncodeReply(reply);
      }
      if (queued) {
        ++stats_.batches;
        stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, alerts.size());
        // Every publishing path takes them (duplication when more than one publishes).
        for (auto& path : paths_) path.deliverer->AlertQueued();
      }
    }
  }
  // Counters changed either way; the status publication is coalesced per loop turn.
  if (on_change_) on_change_();
}

void AlertRelay::OnParked(const std::string& id) {
  ++stats_.parked;
  log_.Warning("alert {} parked: {} broker sessions failed with it unacknowledged; the others drain on "
               "(an operator retries or drops it)", id, settings_.delivery.park_after_attempts);
  if (on_change_) on_change_();
}

Result<void> AlertRelay::RetryParked(const std::string& id) {
  if (auto unparked = outbox_->Unpark(id); !unparked) return unparked;
  ++stats_.retried;
  log_.Info("parked alert {} sent again (attempts reset)", id);
  for (auto& path : paths_) path.deliverer->AlertQueued();
  if (on_change_) on_change_();
  return {};
}

Result<void> AlertRelay::DropParked(const std::string& id) {
  if (auto dropped = outbox_->DropParked(id); !dropped) return dropped;
  ++stats_.dropped;
  log_.Warning("parked alert {} dropped by an operator", id);
  if (on_change_) on_change_();
  return {};
}

const std::vector<ParkedAlertStatus>& AlertRelay::ParkedShown() const {
  // Status() runs on every state refresh (several a second): the outbox is asked again only
  // when its parked set changed.
  if (parked_shown_changes_ == outbox_->parked_changes()) return parked_shown_;
  parked_shown_.clear();
  if (outbox_->counts().parked > 0) {
    auto listed = outbox_->Parked(kParkedShown);
    if (!listed) return parked_shown_;  // asked again next time
    for (const auto& alert : *listed) {
      ParkedAlertStatus parked;
      parked.id = alert.id;
      parked.ref = alert.ref;
      parked.source = alert.source;
      if (alert.sender_uid >= 0) parked.uid = alert.sender_uid;
      parked.severity = AlertSeverityName(alert.severity);
      parked.attempts = static_cast<uint64_t>(alert.attempts);
      parked.received_ms = alert.received_ms;
      parked.parked_ms = alert.parked_ms.value_or(0);
      parked_shown_.push_back(std::move(parked));
    }
  }
  parked_shown_changes_ = outbox_->parked_changes();
  return parked_shown_;
}

AlertRelayStatus AlertRelay::Status() const {
  AlertDeliverer::Stats total = gone_;
  AlertRelayStatus status;
  size_t chosen = 0;
  // Best first: a connected session is what the broker state means to a reader.
  auto rank = [](BrokerState state) {
    switch (state) {
      case BrokerState::kConnected: return 3;
      case BrokerState::kConnecting: return 2;
      case BrokerState::kBackingOff: return 1;
      case BrokerState::kStopped: return 0;
    }
    return 0;
  };
  for (const auto& path : paths_) {
    const auto& deliverer = *path.deliverer;
    const auto& stats = deliverer.stats();
    AddCounters(total, stats);
    status.in_flight += deliverer.in_flight();
    if (path.route.publishing && !path.route.wan.empty()) ++chosen;
    if (rank(deliverer.state()) > rank(status.broker.state)) status.broker.state = deliverer.state();
    status.sessions.push_back({.wan = path.route.wan,
                               .state = deliverer.state(),
                               .publishing = deliverer.publishing(),
                               .chosen = path.route.publishing,
                               .bind_address = deliverer.socket_options().bind_address,
                               .in_flight = deliverer.in_flight(),
                               .publishes = stats.publishes,
                               .duplicate_publishes = stats.duplicate_publishes,
                               .delivered = stats.delivered,
                               .first_delivered = stats.first_delivered,
                               .connects = stats.connects,
                               .last_error = stats.last_error});
  }
  status.outbox_depth = outbox_->counts().pending;
  status.outbox_stored = outbox_->counts().stored;
  status.outbox_max = outbox_->max_alerts();
  status.outbox_parked = outbox_->counts().parked;
  status.park_after_attempts = settings_.delivery.park_after_attempts;
  status.parked = ParkedShown();
  status.delivered = total.first_delivered;
  status.last_delivery_ms = total.last_delivery_ms;
  status.broker.host = settings_.broker.host;
  status.broker.port = settings_.broker.port;
  status.broker.tls = !settings_.broker.ca_file.empty();
  status.broker.connects = total.connects;
  status.broker.session_failures = total.session_failures;
  status.broker.last_error = last_error_;
  status.submissions = stats_;
  status.publishes = total.publishes;
  status.duplicate_publishes = total.duplicate_publishes;
  status.duplicating = chosen >= 2;
  status.socket = settings_.socket_path;
  return status;
}

}  // namespace uplinkd::relay
