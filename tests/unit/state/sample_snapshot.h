#pragma once
// One gateway's state as typed values: two modem Wans (cell1 up with lanes, cell2 down), their
// links, the paths, a running relay with one session per Wan, the worker and an event. Shared by
// the renderer tests.
#include "state/state_snapshot.h"

namespace uplinkd::state::testing {

using namespace std::chrono_literals;

inline net::IpPrefix Prefix(const char* text) { return *net::IpPrefix::Parse(text); }

inline policy::WanStatus Cell1() {
  policy::WanStatus wan;
  wan.name = "cell1";
  wan.kind = policy::WanKind::kModem;
  wan.interface = "wwan0";
  wan.health.wan = "cell1";
  wan.health.state = policy::WanHealthState::kUp;
  wan.health.rtt_ms = 12.5;
  wan.health.loss = 0.05;
  wan.health.probes_sent = 40;
  wan.health.probes_lost = 2;
  wan.health.probe_bytes = 3840;
  wan.health.reason = "3 of 3 targets answer";
  wan.usable = true;
  wan.link_up = true;
  wan.bearer_up = true;
  wan.table = 101;
  wan.mark = 0x100;
  wan.priority = 1;
  wan.weight = 1;
  policy::LaneStatus lanes;
  lanes.rate_kbit = 900;
  lanes.upload_kbit = 1000;
  lanes.min_kbit = 250;
  lanes.installed = true;
  lanes.level = policy::LaneLevel::kNormal;
  lanes.baseline_ms = 20.0;
  lanes.classes.push_back({policy::TrafficClass::kAlert, 0x55, 0x10, 900, net::HtbLaneCounters{0x10, 3000, 2, 0, 0}});
  lanes.classes.push_back({policy::TrafficClass::kBulk, 0x55, 0x40, 90, std::nullopt});
  wan.lanes = lanes;
  return wan;
}

inline policy::WanStatus Cell2() {
  policy::WanStatus wan;
  wan.name = "cell2";
  wan.kind = policy::WanKind::kModem;
  wan.interface = "wwan1";
  wan.health.wan = "cell2";
  wan.health.state = policy::WanHealthState::kDown;
  wan.health.reason = "bearer lost";
  wan.table = 102;
  wan.mark = 0x200;
  wan.priority = 2;
  wan.weight = 1;
  return wan;
}

inline relay::AlertRelayStatus Relay() {
  relay::AlertRelayStatus relay;
  relay.outbox_depth = 3;
  relay.outbox_stored = 5;
  relay.outbox_max = 10000;
  relay.delivered = 42;
  relay.last_delivery_ms = 1740920000123;
  relay.in_flight = 1;
  relay.broker = {relay::BrokerState::kConnected, "203.0.113.10", 1883, false, 2, 1, "cell2: connection refused"};
  relay.submissions = {45, 1, 0, 0, 0, 0};
  relay.publishes = 44;
  relay.sessions.push_back({"cell1", relay::BrokerState::kConnected, true, true, "100.64.1.2", 1, 44, 0, 42, 42, 2, ""});
  relay.socket = "/run/uplinkd/alerts.sock";
  return relay;
}

inline Snapshot Sample() {
  Snapshot snapshot;
  snapshot.daemon.version = "0.1.0";
  snapshot.daemon.pid = 4242;
  snapshot.daemon.started_at = SteadyTime(100s);
  snapshot.daemon.start_time_unix = 1740000000;
  snapshot.daemon.config_path = "/etc/uplinkd/uplinkd.toml";
  snapshot.daemon.config_generation = 2;
  snapshot.daemon.last_reload = "applied";
  snapshot.daemon.bus = "system";
  snapshot.daemon.log_level = "info";
  snapshot.daemon.ready = true;
  snapshot.daemon.modems_configured = 2;
  snapshot.daemon.policy_running = true;
  snapshot.taken = SteadyTime(190s);
  modem::ModemWanState modem1;
  modem1.name = "modem1";
  modem1.wan_up = true;
  modem1.imei = "490154203237518";
  modem1.signal_quality = 80;
  modem1.interface = "wwan0";
  modem::ModemWanState modem2;
  modem2.name = "modem2";
  snapshot.modems = {modem1, modem2};
  snapshot.links.push_back({net::LinkEvent{3, "wwan0", true, true, 1500, false},
                            {Prefix("100.64.1.2/30"), Prefix("2001:db8:1::2/64")}});
  snapshot.links.push_back({net::LinkEvent{4, "wwan1", true, false, 1500, false}, {}});
  snapshot.wans = {Cell1(), Cell2()};
  policy::PathsStatus paths;
  for (policy::TrafficClass traffic_class : policy::kTrafficClasses) {
    paths.classes.push_back({traffic_class, policy::PathMode::kFailover, {{"cell1", 1}}, "cell2 unusable", std::nullopt});
  }
  // The operator pinned bulk to cell2, which is down: the pin is kept but not in force.
  paths.classes[policy::Index(policy::TrafficClass::kBulk)].pin =
      policy::ClassPinStatus{policy::TrafficClass::kBulk, "cell2", SteadyTime{} + std::chrono::seconds(600),
                             std::chrono::seconds(300), false};
  paths.conntrack_deleted = 7;
  snapshot.paths = paths;
  snapshot.alerts.enabled = true;
  snapshot.alerts.relay = Relay();
  snapshot.inference.enabled = true;
  snapshot.inference.worker = InferenceWorkerState{WorkerPhase::kRunning, 777, 1, 0, 0};
  snapshot.recent_events.push_back({modem::ModemEvent{"modem2", modem::ModemEventKind::kWanDown, "bearer lost"}, 1740000050});
  return snapshot;
}

}  // namespace uplinkd::state::testing
