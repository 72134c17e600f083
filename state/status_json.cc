#include "state/status_json.h"

#include <fmt/format.h>

#include "modem/modem_wan_state_json.h"

namespace uplinkd::state {
namespace {

template <typename T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json LanesJson(const policy::LaneStatus& lanes) {
  nlohmann::json classes = nlohmann::json::object();
  for (const auto& lane : lanes.classes) {
    nlohmann::json item = {{"class_id", fmt::format("{:x}:{:x}", lane.major, lane.minor)},
                           {"ceil_kbit", lane.ceil_kbit}};
    if (lane.counters) {
      item["bytes"] = lane.counters->bytes;
      item["packets"] = lane.counters->packets;
      item["drops"] = lane.counters->drops;
      item["backlog_packets"] = lane.counters->backlog_packets;
    }
    classes[policy::TrafficClassName(lane.traffic_class)] = std::move(item);
  }
  return {
      {"rate_kbit", lanes.rate_kbit},
      {"upload_kbit", lanes.upload_kbit},
      {"min_kbit", lanes.min_kbit},
      {"adaptive", lanes.adaptive},
      {"installed", lanes.installed},
      {"level", lanes.level ? nlohmann::json(policy::LaneLevelName(*lanes.level)) : nlohmann::json(nullptr)},
      {"baseline_ms", OrNull(lanes.baseline_ms)},
      {"delay_ms", OrNull(lanes.delay_ms)},
      {"capacity_estimate_kbit", OrNull(lanes.capacity_estimate_kbit)},
      {"classes", std::move(classes)},
  };
}

nlohmann::json InferenceJson(const InferenceState& inference) {
  nlohmann::json status = {{"enabled", inference.enabled}};
  if (!inference.error.empty()) status["error"] = inference.error;
  if (!inference.worker) return status;
  status["state"] = WorkerPhaseName(inference.worker->phase);
  status["pid"] = inference.worker->pid;
  status["starts"] = inference.worker->starts;
  status["exits"] = inference.worker->exits;
  status["watchdog_kills"] = inference.worker->watchdog_kills;
  return status;
}

nlohmann::json AlertsJson(const AlertsState& alerts) {
  if (alerts.relay) return AlertRelayStatusJson(*alerts.relay);
  nlohmann::json status = {{"enabled", alerts.enabled}};
  if (!alerts.error.empty()) status["error"] = alerts.error;
  return status;
}

}  // namespace

nlohmann::json WanStatusJson(const policy::WanStatus& wan) {
  return {
      {"name", wan.name},
      {"kind", wan.kind == policy::WanKind::kModem ? "modem" : "ethernet"},
      {"interface", wan.interface},
      {"health", policy::WanHealthStateName(wan.health.state)},
      {"usable", wan.usable},
      {"link_up", wan.link_up},
      {"bearer_up", wan.bearer_up},
      {"degraded", wan.health.degraded},
      {"loss", wan.health.loss},
      {"probes_sent", wan.health.probes_sent},
      {"probes_lost", wan.health.probes_lost},
      {"probe_bytes", wan.health.probe_bytes},
      {"admin_state", wan.admin_up ? "up" : "down"},
      {"reason", wan.health.reason},
      {"table", wan.table},
      {"mark", wan.mark},
      {"priority", wan.priority},
      {"weight", wan.weight},
      {"rtt_ms", OrNull(wan.health.rtt_ms)},
      {"jitter_ms", OrNull(wan.health.jitter_ms)},
      {"lanes", wan.lanes ? LanesJson(*wan.lanes) : nlohmann::json(nullptr)},
  };
}

nlohmann::json PathsJson(const std::optional<policy::PathsStatus>& paths) {
  nlohmann::json out = nlohmann::json::object();
  if (!paths) return out;
  for (const auto& path : paths->classes) {
    auto wans = nlohmann::json::array();
    for (const auto& wan : path.wans) wans.push_back({{"wan", wan.wan}, {"weight", wan.weight}});
    out[policy::TrafficClassName(path.traffic_class)] = {
        {"mode", policy::PathModeName(path.mode)},
        {"wan", path.wans.empty() ? nlohmann::json(nullptr) : nlohmann::json(path.wans.front().wan)},
        {"wans", std::move(wans)},
        {"reason", path.reason},
        {"pin", path.pin ? nlohmann::json{{"wan", path.pin->wan},
                                          {"remaining_s", path.pin->remaining.count()},
                                          {"active", path.pin->active}}
                         : nlohmann::json(nullptr)},
    };
  }
  out["conntrack_deleted"] = paths->conntrack_deleted;
  return out;
}

nlohmann::json AlertRelayStatusJson(const relay::AlertRelayStatus& relay) {
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& session : relay.sessions) {
    sessions.push_back({{"wan", session.wan},
                        {"state", relay::BrokerStateName(session.state)},
                        {"publishing", session.publishing},
                        {"chosen", session.chosen},
                        {"bind_address", session.bind_address},
                        {"in_flight", session.in_flight},
                        {"publishes", session.publishes},
                        {"duplicate_publishes", session.duplicate_publishes},
                        {"delivered", session.delivered},
                        {"first_delivered", session.first_delivered},
                        {"connects", session.connects},
                        {"last_error", session.last_error}});
  }
  nlohmann::json parked = nlohmann::json::array();
  for (const auto& alert : relay.parked) {
    parked.push_back({{"id", alert.id},
                      {"ref", OrNull(alert.ref)},
                      {"source", alert.source},
                      {"uid", OrNull(alert.uid)},
                      {"severity", alert.severity},
                      {"attempts", alert.attempts},
                      {"received_ms", alert.received_ms},
                      {"parked_ms", alert.parked_ms}});
  }
  const auto& broker = relay.broker;
  const auto& submissions = relay.submissions;
  return {
      {"outbox_depth", relay.outbox_depth},
      {"outbox_stored", relay.outbox_stored},
      {"outbox_max", relay.outbox_max},
      {"outbox_parked", relay.outbox_parked},
      {"parked", std::move(parked)},
      {"park_after_attempts", relay.park_after_attempts},
      {"delivered", relay.delivered},
      {"last_delivery_ms", OrNull(relay.last_delivery_ms)},
      {"in_flight", relay.in_flight},
      {"broker",
       {{"state", relay::BrokerStateName(broker.state)},
        {"host", broker.host},
        {"port", broker.port},
        {"tls", broker.tls},
        {"connects", broker.connects},
        {"session_failures", broker.session_failures},
        {"last_error", broker.last_error}}},
      {"submissions",
       {{"accepted", submissions.accepted},
        {"duplicates", submissions.duplicates},
        {"refused", submissions.refused},
        {"busy", submissions.busy},
        {"evicted_pending", submissions.evicted_pending},
        {"storage_errors", submissions.storage_errors},
        {"batches", submissions.batches},
        {"largest_batch", submissions.largest_batch}}},
      {"poison", {{"parked", submissions.parked}, {"retried", submissions.retried}, {"dropped", submissions.dropped}}},
      {"publishes", relay.publishes},
      {"duplicate_publishes", relay.duplicate_publishes},
      {"duplicating", relay.duplicating},
      {"sessions", std::move(sessions)},
      {"socket", relay.socket},
  };
}

nlohmann::json LinksJson(const std::vector<net::LinkEntry>& links) {
  auto list = nlohmann::json::array();
  for (const auto& entry : links) {
    auto addresses = nlohmann::json::array();
    for (const auto& prefix : entry.addresses) addresses.push_back(prefix.ToString());
    list.push_back({{"name", entry.link.name},
                    {"index", entry.link.index},
                    {"admin_up", entry.link.admin_up},
                    {"carrier", entry.link.carrier},
                    {"mtu", entry.link.mtu},
                    {"addresses", std::move(addresses)}});
  }
  return list;
}

nlohmann::json StatusJson(const Snapshot& snapshot) {
  const DaemonState& daemon = snapshot.daemon;
  auto modems = nlohmann::json::array();
  for (const auto& modem : snapshot.modems) modems.push_back(modem::ToJson(modem));
  auto wans = nlohmann::json::array();
  for (const auto& wan : snapshot.wans) wans.push_back(WanStatusJson(wan));
  auto events = nlohmann::json::array();
  for (const auto& recent : snapshot.recent_events) {
    auto entry = modem::ToJson(recent.event);
    entry["time"] = recent.time;
    events.push_back(std::move(entry));
  }
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(snapshot.taken - daemon.started_at);
  return {
      {"version", daemon.version},
      {"pid", daemon.pid},
      {"uptime_s", uptime.count()},
      {"config", {{"path", daemon.config_path}, {"generation", daemon.config_generation},
                  {"last_reload", daemon.last_reload}}},
      {"bus", daemon.bus},
      {"modems", std::move(modems)},
      {"links", LinksJson(snapshot.links)},
      {"wans", std::move(wans)},
      {"paths", PathsJson(snapshot.paths)},
      {"inference", InferenceJson(snapshot.inference)},
      {"alerts", AlertsJson(snapshot.alerts)},
      {"recent_events", std::move(events)},
  };
}

}  // namespace uplinkd::state
