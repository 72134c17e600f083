#include "policy/policy_controller.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/logger.h"
#include "policy/lane_layout.h"
#include "policy/policy_nft_table.h"

namespace uplinkd::policy {
namespace {

const Logger kLog(LogModule::kPolicy);
constexpr auto kLaneCounterRefresh = std::chrono::seconds(2);

std::string Describe(const std::vector<WeightedWan>& wans) {
  std::string text;
  for (const auto& wan : wans) {
    if (!text.empty()) text += "+";
    text += wan.wan;
    if (wans.size() > 1) text += "*" + std::to_string(wan.weight);
  }
  return text.empty() ? "-" : text;
}

bool IsLinkLocal(const net::IpPrefix& prefix) {
  return prefix.family() == net::IpFamily::kV6 && prefix.address().ToString().rfind("fe80:", 0) == 0;
}

}  // namespace

PolicyController::PolicyController(PolicyConfig config, Dependencies dependencies, std::function<void()> on_change)
    : config_(std::move(config)),
      deps_(std::move(dependencies)),
      on_change_(std::move(on_change)),
      routing_(*deps_.routing),
      nft_(*deps_.nftables) {
  if (!deps_.links) deps_.links = &no_links_;
  // No traffic-control edge: no HTB, so no nft chain choosing HTB classes either.
  if (!deps_.traffic_control) config_.lanes = false;
  if (config_.lanes) lanes_.emplace(*deps_.traffic_control);
  for (size_t i = 0; i < config_.wans.size(); ++i) {
    auto wan = std::make_unique<WanRuntime>();
    wan->config = &config_.wans[i];
    wan->position = i + 1;
    wan->health.wan = wan->config->name;
    if (wan->config->kind == WanKind::kEthernet) {
      wan->interface = wan->config->interface;
    } else {
      wan->bearer_up = false;  // until the modem layer says otherwise
      wan->modem_signal.bearer_connected = false;
    }
    if (lanes_ && wan->config->shaping) wan->shaper = std::make_unique<ShaperRateController>(*wan->config->shaping);
    wans_.push_back(std::move(wan));
  }
}

PolicyController::~PolicyController() {
  recheck_.Cancel();
  routing_repair_.Cancel();
  routing_repair_pending_ = false;
}

void PolicyController::Start() {
  if (started_) return;
  started_ = true;
  for (auto& wan : wans_) {
    if (wan->config->health.targets.empty() || !deps_.make_prober) continue;
    wan->binding = ProbeBinding{wan->interface, wan->config->mark, std::nullopt, std::nullopt};
    wan->prober = deps_.make_prober(*wan->config, wan->binding);
    if (!wan->prober) continue;
    WanRuntime* runtime = wan.get();
    wan->tracker = std::make_unique<WanHealthTracker>(
        wan->config->name, wan->config->health, *deps_.scheduler, *wan->prober, [this, runtime](const WanHealth& health) {
          runtime->health = health;
          if (runtime->shaper && runtime->shaper->OnSample(deps_.scheduler->Now(), health.rtt_ms, health.loss)) {
            kLog.Info("{} shaper {} kbit/s (RTT {:.1f} ms over a {:.1f} ms baseline)", runtime->config->name,
                      runtime->shaper->rate_kbit(), runtime->shaper->delay_ms().value_or(0.0),
                      runtime->shaper->baseline_ms().value_or(0.0));
          }
          Reevaluate();
        });
  }
  FeedTrackers();
  for (auto& wan : wans_) {
    if (wan->tracker) wan->tracker->Start();
  }
  kLog.Notice("{} Wan(s), LAN {}, reconciling the kernel", wans_.size(),
              config_.lan_interfaces.empty() ? std::string("none") : config_.lan_interfaces.front());
  Reevaluate();
}

void PolicyController::Stop() {
  if (!started_) return;
  started_ = false;
  recheck_.Cancel();
  routing_repair_.Cancel();
  routing_repair_pending_ = false;
  for (auto& wan : wans_) {
    if (wan->tracker) wan->tracker->Stop();
    wan->tracker.reset();
    wan->prober.reset();
  }
  if (lanes_) {
    if (auto removed = lanes_->RemoveAll(); !removed) {
      kLog.Warning("removing HTB lanes: {}", uplinkd::Describe(removed.error()));
    }
    last_lane_error_.clear();
    lane_counters_.clear();
    for (auto& wan : wans_) wan->lane_plan.reset();
  }
  if (auto removed = nft_.Remove(); !removed) kLog.Warning("cannot remove nftables table: {}", uplinkd::Describe(removed.error()));
  if (auto removed = routing_.RemoveAll(); !removed) {
    kLog.Warning("removing routes and rules: {}", uplinkd::Describe(removed.error()));
  }
  kLog.Notice("stopped; nftables table, HTB lanes, routes and rules removed");
}

PolicyController::WanRuntime* PolicyController::FindByModem(const std::string& modem) {
  for (auto& wan : wans_) {
    if (wan->config->kind == WanKind::kModem && wan->config->modem == modem) return wan.get();
  }
  return nullptr;
}

PolicyController::WanRuntime* PolicyController::FindWan(const std::string& name) {
  for (auto& wan : wans_) {
    if (wan->config->name == name) return wan.get();
  }
  return nullptr;
}

const PolicyController::WanRuntime* PolicyController::FindWan(const std::string& name) const {
  for (const auto& wan : wans_) {
    if (wan->config->name == name) return wan.get();
  }
  return nullptr;
}

Result<void> PolicyController::SetAdministrativeState(const std::string& name, bool up) {
  WanRuntime* wan = FindWan(name);
  // The name comes from outside: quoted and escaped.
  if (!wan) return MakeError(ErrorCode::kNotFound, fmt::format("no [[wan]] named {:?} is configured", name));
  if (wan->admin_up == up) return {};
  wan->admin_up = up;
  kLog.Notice("{} administratively {} by the operator", name, up ? "up" : "down");
  Reevaluate();
  return {};
}

Result<void> PolicyController::PinClass(TrafficClass traffic_class, const std::string& name,
                                        std::chrono::seconds duration) {
  if (Index(traffic_class) >= kTrafficClassCount) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown traffic class {}", static_cast<unsigned>(Index(traffic_class))));
  }
  if (!FindWan(name)) return MakeError(ErrorCode::kNotFound, fmt::format("no [[wan]] named {:?} is configured", name));
  if (duration < kMinPinDuration || duration > kMaxPinDuration) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("a pin lasts {} s to {} s, not {} s", kMinPinDuration.count(), kMaxPinDuration.count(),
                                 duration.count()));
  }
  auto& pin = pins_[Index(traffic_class)];
  pin.reset();  // cancels a replaced pin's expiry
  pin.emplace();
  pin->wan = name;
  pin->expires_at = deps_.scheduler->Now() + duration;
  pin->expiry = deps_.scheduler->RunAfter(duration, [this, traffic_class] { ExpirePin(traffic_class); });
  kLog.Notice("{} pinned to {} for {} s by the operator", TrafficClassName(traffic_class), name, duration.count());
  Reevaluate();
  return {};
}

Result<void> PolicyController::UnpinClass(TrafficClass traffic_class) {
  if (Index(traffic_class) >= kTrafficClassCount) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("unknown traffic class {}", static_cast<unsigned>(Index(traffic_class))));
  }
  auto& pin = pins_[Index(traffic_class)];
  if (!pin) {
    return MakeError(ErrorCode::kNotFound, fmt::format("{} is not pinned", TrafficClassName(traffic_class)));
  }
  kLog.Notice("{} unpinned from {} by the operator", TrafficClassName(traffic_class), pin->wan);
  pin.reset();
  Reevaluate();
  return {};
}

void PolicyController::ExpirePin(TrafficClass traffic_class) {
  auto& pin = pins_[Index(traffic_class)];
  if (!pin) return;
  kLog.Notice("{}: the pin to {} expired", TrafficClassName(traffic_class), pin->wan);
  pin.reset();  // drops this very timer's handle: inert once fired
  Reevaluate();
}

ClassPins PolicyController::ActivePins() const {
  ClassPins pins;
  for (TrafficClass traffic_class : kTrafficClasses) {
    if (const auto& pin = pins_[Index(traffic_class)]) pins[traffic_class] = pin->wan;
  }
  return pins;
}

std::vector<WanAdministrativeState> PolicyController::AdministrativeStates() const {
  std::vector<WanAdministrativeState> states;
  for (const auto& wan : wans_) states.push_back({wan->config->name, wan->admin_up});
  return states;
}

bool PolicyController::AdministrativelyUp(const std::string& name) const {
  const WanRuntime* wan = FindWan(name);
  return wan && wan->admin_up;
}

std::vector<ClassPinStatus> PolicyController::Pins() const {
  std::vector<ClassPinStatus> pins;
  SteadyTime now = deps_.scheduler->Now();
  for (TrafficClass traffic_class : kTrafficClasses) {
    const auto& pin = pins_[Index(traffic_class)];
    if (!pin) continue;
    ClassPinStatus status;
    status.traffic_class = traffic_class;
    status.wan = pin->wan;
    status.expires_at = pin->expires_at;
    if (pin->expires_at > now) {
      status.remaining = std::chrono::ceil<std::chrono::seconds>(pin->expires_at - now);
    }
    status.active = decision_ && decision_->path(traffic_class).operator_pinned;
    pins.push_back(std::move(status));
  }
  return pins;
}

const net::LinkEntry* PolicyController::FindLink(const std::string& name) const { return deps_.links->Find(name); }

bool PolicyController::LinkUp(const WanRuntime& wan) const {
  const net::LinkEntry* link = FindLink(wan.interface);
  return link && link->up();
}

void PolicyController::OnModemState(const modem::ModemWanState& state) {
  WanRuntime* wan = FindByModem(state.name);
  if (!wan) return;
  bool registered = state.registration == modem::RegistrationState::kHome ||
                    state.registration == modem::RegistrationState::kRoaming;
  ModemLinkSignal signal{registered || state.wan_up, state.wan_up, state.signal_quality};
  std::string interface = state.wan_up || !state.interface.empty() ? state.interface : wan->interface;
  bool changed = wan->bearer_up != state.wan_up || wan->interface != interface || wan->bearer_v4 != state.ipv4 ||
                 wan->bearer_v6 != state.ipv6 || !(wan->modem_signal == signal);
  if (!changed && wan->modem_known) return;
  if (wan->bearer_up != state.wan_up) {
    kLog.Info("{} bearer {} ({})", wan->config->name, state.wan_up ? "up" : "down", state.interface);
  }
  wan->modem_known = true;
  wan->bearer_up = state.wan_up;
  wan->interface = interface;
  wan->bearer_v4 = state.ipv4;
  wan->bearer_v6 = state.ipv6;
  wan->modem_signal = signal;
  routing_dirty_ = true;
  Reevaluate();
}

void PolicyController::OnLink(const net::LinkEvent& event) {
  // A link that went away and came back (a new bearer) has lost its qdiscs: resend.
  if (!event.removed && lanes_) lanes_->Invalidate(event.name);
  // The kernel drops a link's routes when it goes down: re-add them when it comes back.
  routing_dirty_ = true;
  Reevaluate();
}

void PolicyController::OnAddress(const net::AddressEvent&) {
  routing_dirty_ = true;
  Reevaluate();
}

void PolicyController::OnNftablesChanged(const net::NftTableChange& change) {
  if (!started_) return;
  bool ours = !change.family || change.table.empty() || nft_.owns(*change.family, change.table);
  if (!ours) return;
  kLog.Warning("nftables table {} changed by another process (an `nft -f` with `flush ruleset`?); applying it again",
               change.family ? net::nft::FamilyName(*change.family) + std::string(" ") + change.table
                             : std::string("(any: notifications lost)"));
  nft_.Invalidate();
  ++drift_repairs_;
  Reevaluate();
}

void PolicyController::OnOwnedRoutingRemoved(const net::OwnedRoutingRemovedEvent& event) {
  if (!started_) return;
  kLog.Debug("{}", net::ToString(event));
  ScheduleRoutingRepair();
}

void PolicyController::OnNetlinkResynced() {
  if (started_) ScheduleRoutingRepair();
}

void PolicyController::ScheduleRoutingRepair() {
  // Our own reconcile removes rules too, and `ip rule flush` is one event per rule: wait a moment
  // for the burst to end, then one reconcile tells (by what it had to add) whether anything of
  // ours was missing.
  if (routing_repair_pending_) return;
  routing_repair_pending_ = true;
  routing_repair_ = deps_.scheduler->RunAfter(std::chrono::milliseconds(20), [this] {
    routing_repair_pending_ = false;
    RepairRouting();
  });
}

void PolicyController::RepairRouting() {
  if (!started_) return;
  size_t before = routing_.added();
  routing_dirty_ = true;
  Reevaluate();
  size_t restored = routing_.added() - before;
  if (restored == 0) return;
  ++drift_repairs_;
  kLog.Warning("{} uplinkd rule(s) or route(s) were removed by another process (an `ip rule flush`?); restored",
               restored);
}

void PolicyController::FeedTrackers() {
  for (auto& wan : wans_) {
    if (!wan->tracker) continue;
    // Only facts count: a link not reported yet (or a modem not yet heard from) is not "down",
    // or every start would begin with a Down and its hold time.
    bool carrier = LinkUp(*wan);
    if ((FindLink(wan->interface) || wan->reported_carrier) && wan->reported_carrier != carrier) {
      wan->reported_carrier = carrier;
      wan->tracker->OnLinkChanged(carrier);
    }
    if (wan->config->kind == WanKind::kModem && wan->modem_known && wan->reported_modem != wan->modem_signal) {
      wan->reported_modem = wan->modem_signal;
      wan->tracker->OnModemChanged(wan->modem_signal);
    }
  }
}

WanFacts PolicyController::FactsOf(const WanRuntime& wan) const {
  WanFacts facts;
  facts.link_up = LinkUp(wan);
  facts.bearer_up = wan.bearer_up;
  facts.admin_up = wan.admin_up;
  if (wan.tracker) {
    facts.health = wan.health;
  } else {
    // No probes configured: the link and bearer are all there is to know.
    facts.health.wan = wan.config->name;
    facts.health.state = facts.link_up && facts.bearer_up ? WanHealthState::kUp : WanHealthState::kDown;
    facts.health.reason = "no probe targets: follows link and bearer";
  }
  return facts;
}

RoutingIntent PolicyController::BuildRoutingIntent() const {
  RoutingIntent intent;
  for (const auto& wan : wans_) {
    WanRouting routing;
    routing.name = wan->config->name;
    routing.table = wan->config->table;
    routing.mark = wan->config->mark;
    routing.position = wan->position;
    const net::LinkEntry* link = FindLink(wan->interface);
    if (link) {
      routing.link_index = link->link.index;
      routing.link_up = link->up();
    }
    if (wan->config->kind == WanKind::kModem) {
      if (wan->bearer_up && wan->bearer_v4) {
        routing.address_v4 = wan->bearer_v4->address;
        routing.gateway_v4 = wan->bearer_v4->gateway;
      }
      if (wan->bearer_up && wan->bearer_v6) {
        routing.address_v6 = wan->bearer_v6->address;
        routing.gateway_v6 = wan->bearer_v6->gateway;
      }
    } else if (link) {
      for (const auto& prefix : link->addresses) {
        if (prefix.family() == net::IpFamily::kV4 && !routing.address_v4) routing.address_v4 = prefix;
        if (prefix.family() == net::IpFamily::kV6 && !IsLinkLocal(prefix) && !routing.address_v6) {
          routing.address_v6 = prefix;
        }
      }
      if (routing.address_v4) routing.gateway_v4 = wan->config->gateway_v4;
      if (routing.address_v6) routing.gateway_v6 = wan->config->gateway_v6;
    }
    // A route needs its address on the link first (the gateway must be reachable on it).
    if (link) {
      const auto& present = link->addresses;
      auto on_link = [&](const std::optional<net::IpPrefix>& address) {
        return address && std::find(present.begin(), present.end(), *address) != present.end();
      };
      if (!on_link(routing.address_v4)) routing.gateway_v4.reset();
      if (!on_link(routing.address_v6)) routing.gateway_v6.reset();
    }
    intent.wans.push_back(routing);
  }
  for (const auto& lan : config_.lan_interfaces) {
    if (const net::LinkEntry* link = FindLink(lan)) {
      for (const auto& prefix : link->addresses) {
        if (!IsLinkLocal(prefix)) intent.lan_prefixes.push_back(prefix.Network());
      }
    }
  }
  std::sort(intent.lan_prefixes.begin(), intent.lan_prefixes.end());
  if (decision_) {
    const auto& wans = decision_->path(config_.default_class).wans;
    if (!wans.empty()) {
      if (const WanConfig* wan = config_.FindWan(wans.front().wan)) intent.fallback_table = wan->table;
    }
  }
  return intent;
}

void PolicyController::RebindProbers(const RoutingIntent& intent) {
  for (size_t i = 0; i < wans_.size(); ++i) {
    WanRuntime& wan = *wans_[i];
    if (!wan.prober) continue;
    const WanRouting& routing = intent.wans[i];
    ProbeBinding binding{wan.interface, wan.config->mark, std::nullopt, std::nullopt};
    if (routing.address_v4) binding.source_v4 = routing.address_v4->address();
    if (routing.address_v6) binding.source_v6 = routing.address_v6->address();
    if (binding == wan.binding) continue;
    wan.binding = binding;
    if (deps_.bind_prober) deps_.bind_prober(*wan.prober, binding);
  }
}

std::map<std::string, std::string> PolicyController::Interfaces() const {
  std::map<std::string, std::string> interfaces;
  for (const auto& wan : wans_) {
    if (!wan->interface.empty()) interfaces[wan->config->name] = wan->interface;
  }
  return interfaces;
}

void PolicyController::Reevaluate() {
  if (!started_) return;
  if (evaluating_) {
    again_ = true;
    return;
  }
  evaluating_ = true;
  int passes = 0;
  do {
    again_ = false;
    EvaluateOnce();
  } while (again_ && ++passes < 5);
  evaluating_ = false;
  NotifyEndpoints();
  if (on_change_) on_change_();
}

void PolicyController::EvaluateOnce() {
  FeedTrackers();
  std::map<std::string, WanFacts> facts;
  for (const auto& wan : wans_) facts[wan->config->name] = FactsOf(*wan);
  Decision next =
      PolicyEngine::Decide(config_, facts, decision_ ? &*decision_ : nullptr, deps_.scheduler->Now(), ActivePins());
  bool decision_changed = next.changed();
  for (TrafficClass traffic_class : next.changed_classes) {
    const auto& before = decision_->path(traffic_class);
    const auto& after = next.path(traffic_class);
    kLog.Notice("{} {} -> {} ({})", TrafficClassName(traffic_class), Describe(before.wans),
                Describe(after.wans), after.reason);
  }
  if (next.first) {
    for (TrafficClass traffic_class : kTrafficClasses) {
      kLog.Notice("{} -> {} ({})", TrafficClassName(traffic_class), Describe(next.path(traffic_class).wans),
                  next.path(traffic_class).reason);
    }
  }
  decision_ = std::move(next);

  // 1. Routes and rules (they only change with link facts and the default class's Wan).
  RoutingIntent intent = BuildRoutingIntent();
  RebindProbers(intent);
  if (routing_dirty_ || !applied_routing_ || *applied_routing_ != intent) {
    auto applied = routing_.Apply(intent);
    routing_dirty_ = !applied;  // retry on the next event
    applied_routing_ = intent;
  }
  // 2. The class -> Wan mapping, in one atomic batch.
  std::map<std::string, std::vector<net::IpAddress>> addresses;
  for (size_t i = 0; i < wans_.size(); ++i) {
    auto& list = addresses[wans_[i]->config->name];
    if (intent.wans[i].address_v4) list.push_back(intent.wans[i].address_v4->address());
    if (intent.wans[i].address_v6) list.push_back(intent.wans[i].address_v6->address());
  }
  auto table = PolicyNftTable::Build(config_, *decision_, Interfaces(), addresses);
  if (auto applied = nft_.Apply(table); !applied) {
    kLog.Error("nftables table refused: {}", uplinkd::Describe(applied.error()));
  }
  // 3. Flows pinned to a Wan that died are forgotten, so their next packet takes the new path.
  if (deps_.conntrack) {
    for (const auto& name : decision_->lost_wans) {
      const WanConfig* wan = config_.FindWan(name);
      if (!wan) continue;
      auto deleted = deps_.conntrack->DeleteByMark(wan->mark, kWanMarkMask);
      if (deleted) {
        conntrack_deleted_ += *deleted;
        kLog.Notice("{} unusable; {} conntrack entr{} pinned to it deleted", name, *deleted,
                    *deleted == 1 ? "y" : "ies");
      } else {
        kLog.Warning("conntrack clean-up for {}: {}", name, uplinkd::Describe(deleted.error()));
      }
    }
  }
  // 4. The priority lanes follow health and the shaper's rate.
  ApplyLanes();
  if (decision_changed || decision_->recheck_at) ScheduleRecheck();
}

void PolicyController::ApplyLanes() {
  if (!lanes_) return;
  std::vector<net::HtbTree> trees;
  std::vector<std::string> interfaces;
  for (auto& wan : wans_) {
    if (wan->interface.empty()) continue;
    interfaces.push_back(wan->interface);
    std::optional<LanePlan> plan;
    // A tree needs its link: a bearer's interface can be named before it exists.
    if (wan->shaper && FindLink(wan->interface)) {
      LaneInputs inputs;
      inputs.shaping = wan->shaper->shaping();
      inputs.interface = wan->interface;
      inputs.health = FactsOf(*wan).health;
      inputs.degraded_loss = wan->config->health.degraded_loss;
      inputs.rate_kbit = wan->shaper->rate_kbit();
      inputs.rate_at_min = wan->shaper->at_min();
      inputs.delay_ms = wan->shaper->delay_ms();
      plan = LanePlanner::Plan(inputs);
      trees.push_back(plan->tree);
    }
    LaneLevel before = wan->lane_plan ? wan->lane_plan->level : LaneLevel::kNormal;
    LaneLevel after = plan ? plan->level : LaneLevel::kNormal;
    if (plan && before != after) {
      kLog.Notice("{} lanes {} -> {} (bulk ceil {} kbit/s, telemetry ceil {} kbit/s)", wan->config->name,
                  LaneLevelName(before), LaneLevelName(after),
                  plan->tree.lanes[Index(TrafficClass::kBulk)].ceil_bps / 1000,
                  plan->tree.lanes[Index(TrafficClass::kTelemetry)].ceil_bps / 1000);
    }
    wan->lane_plan = std::move(plan);
  }
  if (auto applied = lanes_->Apply(trees, interfaces); !applied) {
    std::string text = uplinkd::Describe(applied.error());
    if (last_lane_error_ != text) kLog.Error("HTB lanes: {}", text);
    last_lane_error_ = text;
  } else {
    last_lane_error_.clear();
  }
}

void PolicyController::ScheduleRecheck() {
  recheck_.Cancel();
  if (!decision_ || !decision_->recheck_at) return;
  auto now = deps_.scheduler->Now();
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(*decision_->recheck_at - now);
  if (delay.count() < 0) delay = std::chrono::milliseconds(0);
  recheck_ = deps_.scheduler->RunAfter(delay + std::chrono::milliseconds(1), [this] { Reevaluate(); });
}

std::vector<WanStatus> PolicyController::WanStatuses() const {
  std::vector<WanStatus> statuses;
  for (const auto& wan : wans_) {
    WanFacts facts = FactsOf(*wan);
    WanStatus status;
    status.name = wan->config->name;
    status.kind = wan->config->kind;
    status.interface = wan->interface;
    status.health = facts.health;
    status.admin_up = wan->admin_up;
    if (!wan->admin_up) status.health.reason = "administratively down";
    status.usable = PolicyEngine::Tier(facts) != PolicyEngine::kUnusable;
    status.link_up = facts.link_up;
    status.bearer_up = facts.bearer_up;
    status.table = wan->config->table;
    status.mark = wan->config->mark;
    status.priority = wan->config->priority;
    status.weight = wan->config->weight;
    if (lanes_ && wan->shaper) {
      const ShaperRateController& shaper = *wan->shaper;
      LaneStatus lanes;
      lanes.rate_kbit = shaper.rate_kbit();
      lanes.upload_kbit = shaper.shaping().upload_kbit;
      lanes.min_kbit = shaper.shaping().min_kbit;
      lanes.adaptive = shaper.shaping().adaptive;
      lanes.installed = wan->lane_plan.has_value() && lanes_->applied().count(wan->interface) > 0;
      if (wan->lane_plan) lanes.level = wan->lane_plan->level;
      lanes.baseline_ms = shaper.baseline_ms();
      lanes.delay_ms = shaper.delay_ms();
      lanes.capacity_estimate_kbit = shaper.capacity_estimate_kbit();
      if (wan->lane_plan) {
        const auto& counters = LaneCounters(wan->interface);
        for (TrafficClass traffic_class : kTrafficClasses) {
          const net::HtbLane& lane = wan->lane_plan->tree.lanes[Index(traffic_class)];
          LaneClassStatus item{traffic_class, kLaneMajor, lane.minor, lane.ceil_bps / 1000, std::nullopt};
          for (const auto& counter : counters) {
            if (counter.minor == lane.minor) item.counters = counter;
          }
          lanes.classes.push_back(std::move(item));
        }
      }
      status.lanes = std::move(lanes);
    }
    statuses.push_back(std::move(status));
  }
  return statuses;
}

const std::vector<net::HtbLaneCounters>& PolicyController::LaneCounters(const std::string& interface) const {
  SteadyTime now = deps_.scheduler->Now();
  auto found = lane_counters_.find(interface);
  if (found != lane_counters_.end() && now - found->second.read < kLaneCounterRefresh) return found->second.counters;
  LaneCounterSnapshot& snapshot = lane_counters_[interface];
  snapshot.read = now;
  if (auto read = lanes_->Counters(interface)) {
    snapshot.counters = std::move(*read);
  } else {
    snapshot.counters.clear();  // an interface that just went away; retried after the refresh
  }
  return snapshot.counters;
}

std::vector<WanEndpoints> PolicyController::Endpoints() const {
  RoutingIntent intent = BuildRoutingIntent();
  std::vector<WanEndpoints> endpoints;
  for (size_t i = 0; i < wans_.size(); ++i) {
    const WanRuntime& wan = *wans_[i];
    WanFacts facts = FactsOf(wan);
    WanEndpoints endpoint;
    endpoint.wan = wan.config->name;
    endpoint.interface = wan.interface;
    if (intent.wans[i].address_v4) endpoint.source_v4 = intent.wans[i].address_v4->address();
    if (intent.wans[i].address_v6) endpoint.source_v6 = intent.wans[i].address_v6->address();
    endpoint.mark = wan.config->mark;
    endpoint.table = wan.config->table;
    endpoint.usable = PolicyEngine::Tier(facts) != PolicyEngine::kUnusable;
    endpoint.degraded = facts.health.degraded;
    if (decision_) {
      for (TrafficClass traffic_class : kTrafficClasses) {
        const auto& path = decision_->path(traffic_class);
        if (!path.wans.empty() && path.wans.front().wan == endpoint.wan) endpoint.first_for.push_back(traffic_class);
      }
    }
    endpoints.push_back(std::move(endpoint));
  }
  return endpoints;
}

Subscription PolicyController::SubscribeEndpoints(WanEndpointsObserver observer) {
  uint64_t id = next_observer_++;
  auto& added = (*endpoint_observers_)[id] = std::move(observer);
  if (started_) added(notified_endpoints_ ? *notified_endpoints_ : Endpoints());
  std::weak_ptr<std::map<uint64_t, WanEndpointsObserver>> observers = endpoint_observers_;
  return Subscription([observers, id] {
    if (auto alive = observers.lock()) alive->erase(id);
  });
}

void PolicyController::NotifyEndpoints() {
  auto endpoints = Endpoints();
  if (notified_endpoints_ && *notified_endpoints_ == endpoints) return;
  notified_endpoints_ = endpoints;
  // A copy: an observer may subscribe or unsubscribe from inside its call.
  auto observers = *endpoint_observers_;
  for (const auto& [id, observer] : observers) {
    if (endpoint_observers_->count(id)) observer(endpoints);
  }
}

std::optional<PathsStatus> PolicyController::Paths() const {
  if (!decision_) return std::nullopt;
  PathsStatus paths;
  for (TrafficClass traffic_class : kTrafficClasses) {
    const auto& path = decision_->path(traffic_class);
    paths.classes.push_back({traffic_class, config_.classes[Index(traffic_class)].mode, path.wans, path.reason, std::nullopt});
  }
  paths.conntrack_deleted = conntrack_deleted_;
  for (auto& pin : Pins()) paths.classes[Index(pin.traffic_class)].pin = std::move(pin);
  return paths;
}

}  // namespace uplinkd::policy
