#include "daemon/relay/alert_relay.h"

#include <chrono>

#include "inference/alert_submission_codec.h"

namespace uplinkd::relay {
namespace {

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

}  // namespace

Result<std::unique_ptr<AlertRelay>> AlertRelay::Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                       AlertRelaySettings settings, MqttSessionFactory factory) {
  std::unique_ptr<AlertRelay> relay(new AlertRelay(std::move(settings)));
  relay->wall_clock_ms_ = SystemClockMs;
  auto outbox = AlertOutbox::Open(relay->settings_.outbox_path, relay->settings_.max_alerts);
  if (!outbox) return tl::unexpected(outbox.error());
  relay->outbox_ = std::move(*outbox);
  if (!factory) factory = MosquittoMqttSession::Factory(io, scheduler, relay->settings_.broker);
  AlertRelay* self = relay.get();
  relay->deliverer_ = std::make_unique<AlertDeliverer>(scheduler, *relay->outbox_, std::move(factory),
                                                       relay->settings_.delivery, [self] { return self->wall_clock_ms_(); });
  auto socket = AlertSubmissionSocket::Open(io, relay->settings_.socket_path, relay->settings_.socket_group,
                                            [self](std::string_view datagram) { return self->HandleSubmission(datagram); });
  if (!socket) return tl::unexpected(socket.error());
  relay->socket_ = std::move(*socket);
  relay->log_.Info("outbox {} holds {} pending alert(s); socket {}; broker {}:{}{}",
                   relay->settings_.outbox_path, relay->outbox_->counts().pending, relay->settings_.socket_path,
                   relay->settings_.broker.host, relay->settings_.broker.port,
                   relay->settings_.broker.ca_file.empty() ? "" : " (TLS)");
  relay->deliverer_->Start();
  return relay;
}

AlertRelay::~AlertRelay() { Stop(); }

void AlertRelay::Stop() {
  if (socket_) socket_->Close();
  if (deliverer_) deliverer_->Stop();
}

void AlertRelay::set_change_observer(std::function<void()> observer) {
  on_change_ = observer;
  deliverer_->set_change_observer(std::move(observer));
}

std::string AlertRelay::HandleSubmission(std::string_view datagram) {
  std::string reply = Submit(datagram);
  // Counters changed either way; the status publication is coalesced per loop turn.
  if (on_change_) on_change_();
  return reply;
}

std::string AlertRelay::Submit(std::string_view datagram) {
  auto parsed = inference::AlertSubmissionCodec::ParseSubmission(datagram);
  if (!parsed) {
    ++stats_.refused;
    auto [code, detail] = SplitCodecError(parsed.error().message);
    // The ref is echoed when the datagram was JSON enough to carry one.
    std::optional<std::string> ref;
    if (code != "too-large") {
      auto json = nlohmann::json::parse(datagram, nullptr, false);
      if (json.is_object() && json.contains("id") && json["id"].is_string()) ref = json["id"].get<std::string>();
    }
    log_.Warning("refused a submission: {}: {}", code, detail);
    return Refusal(ref, code, detail, false);
  }
  NewAlert alert;
  alert.ref = parsed->id;
  alert.source = parsed->source;
  alert.severity = ParseAlertSeverity(parsed->severity).value_or(AlertSeverity::kWarning);
  alert.time = parsed->time;
  alert.payload_json = parsed->payload.dump();
  auto added = outbox_->Add(alert, wall_clock_ms_());
  if (!added) {
    bool busy = added.error().code == ErrorCode::kUnavailable;
    ++(busy ? stats_.busy : stats_.storage_errors);
    log_.Warning("could not queue a {} alert from {}: {}", parsed->severity, parsed->source,
                 added.error().message);
    // A storage failure is retryable too: the submitter keeps the alert and tries again.
    return Refusal(alert.ref, "busy", added.error().message, true);
  }
  if (added->duplicate) {
    ++stats_.duplicates;
  } else {
    ++stats_.accepted;
    if (added->evicted_was_pending) {
      ++stats_.evicted_pending;
      log_.Warning("outbox full ({} alerts): evicted undelivered {} for a {} alert", outbox_->max_alerts(),
                   *added->evicted, parsed->severity);
    }
    deliverer_->AlertQueued();
  }
  inference::AlertSubmissionReply reply;
  reply.ok = true;
  reply.id = added->id;
  reply.ref = alert.ref.value_or("");
  return inference::AlertSubmissionCodec::EncodeReply(reply);
}

nlohmann::json AlertRelay::Status() const {
  const auto& delivery = deliverer_->stats();
  nlohmann::json status = {
      {"outbox_depth", outbox_->counts().pending},
      {"outbox_stored", outbox_->counts().stored},
      {"outbox_max", outbox_->max_alerts()},
      {"delivered", delivery.delivered},
      {"last_delivery_ms", delivery.last_delivery_ms ? nlohmann::json(*delivery.last_delivery_ms) : nlohmann::json()},
      {"in_flight", deliverer_->in_flight()},
      {"broker",
       {{"state", BrokerStateName(deliverer_->state())},
        {"host", settings_.broker.host},
        {"port", settings_.broker.port},
        {"tls", !settings_.broker.ca_file.empty()},
        {"connects", delivery.connects},
        {"session_failures", delivery.session_failures},
        {"last_error", delivery.last_error}}},
      {"submissions",
       {{"accepted", stats_.accepted},
        {"duplicates", stats_.duplicates},
        {"refused", stats_.refused},
        {"busy", stats_.busy},
        {"evicted_pending", stats_.evicted_pending},
        {"storage_errors", stats_.storage_errors}}},
      {"publishes", delivery.publishes},
      {"socket", settings_.socket_path},
  };
  return status;
}

}  // namespace uplinkd::relay
