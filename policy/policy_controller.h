#pragma once
// The policy layer as the daemon runs it: collects the facts about each configured Wan (modem
// layer, netlink links and addresses, one WanHealthTracker per Wan), runs the pure PolicyEngine
// on every change, and applies its decision through the actuators:
//   WanRoutingActuator  per-Wan tables, fwmark/source/LAN/fallback rules (protocol 0x55)
//   NftPolicyActuator   the `inet uplinkd` table, one atomic batch per change
//   ConntrackEdge       on failover, deletes only the entries pinned to the Wan that died
//   LaneActuator        the HTB priority lanes of each Wan with [wan.shaping] (docs/lanes.md):
//                       each health sample feeds the Wan's ShaperRateController, LanePlanner
//                       turns rate and health into a tree after every evaluation
// Start() reconciles (replaces what a crashed predecessor left); Stop() removes what it owns.
// It keeps no copy of the links: it reads the one net::LinkTable the composition root feeds.
#include <array>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/scheduler.h"
#include "base/subscription.h"
#include "net/conntrack_edge.h"
#include "net/link_table.h"
#include "net/netlink_monitor.h"
#include "net/nftables_edge.h"
#include "net/nftables_monitor.h"
#include "net/routing_edge.h"
#include "net/traffic_control_edge.h"
#include "modem/modem_wan_state.h"
#include "policy/health/probe_binding.h"
#include "policy/health/prober.h"
#include "policy/health/wan_health_tracker.h"
#include "policy/lane_actuator.h"
#include "policy/lane_planner.h"
#include "policy/nft_policy_actuator.h"
#include "policy/policy_config.h"
#include "policy/policy_engine.h"
#include "policy/shaper_rate_controller.h"
#include "policy/wan_endpoints.h"
#include "policy/wan_status.h"
#include "policy/wan_routing_actuator.h"

namespace uplinkd::policy {

class PolicyController {
 public:
  // Bounds of a pin's duration.
  static constexpr std::chrono::seconds kMinPinDuration{1};
  static constexpr std::chrono::seconds kMaxPinDuration{24 * 3600};  // = control::kMaxPinDuration

  struct Dependencies {
    Scheduler* scheduler = nullptr;
    net::RoutingEdge* routing = nullptr;
    net::NftablesEdge* nftables = nullptr;
    net::ConntrackEdge* conntrack = nullptr;  // may be null: no conntrack clean-up
    // The gateway's links and addresses (required). The controller reads it; OnLink/OnAddress
    // say that it changed.
    const net::LinkTable* links = nullptr;
    // The prober for one Wan's health probes, bound to that Wan (interface, fwmark, source
    // addresses) so a probe never leaves by another link. Called for Wans with probe targets;
    // null: that Wan's health follows its link and bearer alone.
    std::function<std::unique_ptr<Prober>(const WanConfig&, const ProbeBinding&)> make_prober;
    // The Wan's interface or addresses changed (a new bearer): rebind its prober.
    std::function<void(Prober&, const ProbeBinding&)> bind_prober;
    // The HTB priority lanes on each Wan with [wan.shaping]; null: no lanes (nor the nft chain
    // that picks them).
    net::TrafficControlEdge* traffic_control = nullptr;
  };

  // `on_change` runs (on the loop) after a decision or a Wan's health changed: republish state.
  PolicyController(PolicyConfig config, Dependencies dependencies, std::function<void()> on_change);
  ~PolicyController();
  PolicyController(const PolicyController&) = delete;
  PolicyController& operator=(const PolicyController&) = delete;

  // Starts the health trackers and applies the first decision, replacing whatever a predecessor
  // left (its nftables table, its rules and routes by protocol). Errors are logged; the next
  // change retries, so the daemon keeps running.
  void Start();
  // Stops the trackers and removes the nftables table and every uplinkd route and rule.
  void Stop();

  void OnModemState(const modem::ModemWanState& state);
  // The link table applied `event` and changed (LinkTable::Apply returned true).
  void OnLink(const net::LinkEvent& event);
  void OnAddress(const net::AddressEvent& event);
  // Drift: someone else changed what uplinkd put into the kernel. A foreign nftables transaction
  // touched a table (uplinkd's: it is applied again at once); one of uplinkd's rules or routes
  // went away (`ip rule flush`), or netlink lost events and cannot say (a resync): the routing is
  // reconciled shortly after (one pass for a whole burst). Each repair that restores something is
  // logged once.
  void OnNftablesChanged(const net::NftTableChange& change);
  void OnOwnedRoutingRemoved(const net::OwnedRoutingRemovedEvent& event);
  void OnNetlinkResynced();

  // Operator actions (the command layer calls them). Each decides again at once, in the same
  // loop turn, and reports through on_change; a refusal (kNotFound for an unknown Wan,
  // kInvalidArgument for a bad class or duration) changes nothing. Before Start() the state is
  // kept and applies from the first decision.
  //
  // An administratively-down Wan is unusable for every class (each leaves it in one decision, no
  // hold time applies) and its status says "administratively down"; its probes go on, so its
  // health is known when it comes back up. Setting the state it already has succeeds.
  Result<void> SetAdministrativeState(const std::string& wan, bool up);
  // The class takes `wan` while that Wan is usable, whatever hold time and preference say, for
  // `duration` (kMinPinDuration .. kMaxPinDuration); then the pin ends by itself. A new pin of
  // the same class replaces the old one.
  Result<void> PinClass(TrafficClass traffic_class, const std::string& wan, std::chrono::seconds duration);
  // Ends the class's pin at once; kNotFound when it has none.
  Result<void> UnpinClass(TrafficClass traffic_class);
  // Every configured Wan, in config order.
  std::vector<WanAdministrativeState> AdministrativeStates() const;
  bool AdministrativelyUp(const std::string& wan) const;  // false also for an unknown Wan
  // The pins in force, in class order.
  std::vector<ClassPinStatus> Pins() const;

  const std::optional<Decision>& decision() const { return decision_; }
  // Every configured Wan, in config order: health, usability, routing and lanes (the shaper's
  // rate, the degraded level, each lane's ceil and counters, read at most every 2 s).
  std::vector<WanStatus> WanStatuses() const;
  // Each class's path; none before the first decision.
  std::optional<PathsStatus> Paths() const;
  // Every configured Wan's endpoints, in config order.
  std::vector<WanEndpoints> Endpoints() const;
  // Calls `observer` now (once started) and after every evaluation that changed any Wan's
  // endpoints, until the handle goes.
  [[nodiscard]] Subscription SubscribeEndpoints(WanEndpointsObserver observer);
  // Counters for tests and status.
  size_t conntrack_deleted() const { return conntrack_deleted_; }
  size_t drift_repairs() const { return drift_repairs_; }  // nftables and routing repairs that restored something

 private:
  struct WanRuntime {
    const WanConfig* config = nullptr;
    size_t position = 0;
    std::string interface;
    bool bearer_up = true;
    std::optional<modem::BearerIpConfig> bearer_v4;
    std::optional<modem::BearerIpConfig> bearer_v6;
    ModemLinkSignal modem_signal;
    bool modem_known = false;              // the modem layer has published this modem
    std::optional<bool> reported_carrier;  // what the tracker was last told
    std::optional<ModemLinkSignal> reported_modem;
    std::unique_ptr<Prober> prober;
    ProbeBinding binding;
    std::unique_ptr<WanHealthTracker> tracker;
    WanHealth health;
    std::unique_ptr<ShaperRateController> shaper;  // lanes on and [wan.shaping] given
    std::optional<LanePlan> lane_plan;             // what was last planned (nullopt: no tree)
    bool admin_up = true;                          // SetAdministrativeState
  };
  struct OperatorPin {
    std::string wan;
    SteadyTime expires_at{};
    TimerHandle expiry;
  };
  WanRuntime* FindByModem(const std::string& modem);
  WanRuntime* FindWan(const std::string& name);
  const WanRuntime* FindWan(const std::string& name) const;
  ClassPins ActivePins() const;
  void ExpirePin(TrafficClass traffic_class);
  const net::LinkEntry* FindLink(const std::string& name) const;
  bool LinkUp(const WanRuntime& wan) const;
  void FeedTrackers();
  WanFacts FactsOf(const WanRuntime& wan) const;
  RoutingIntent BuildRoutingIntent() const;
  void RebindProbers(const RoutingIntent& intent);
  std::map<std::string, std::string> Interfaces() const;
  // Runs the engine and the actuators; re-entrant calls (a tracker publishing from inside) are
  // folded into one more pass.
  void Reevaluate();
  void EvaluateOnce();
  void ScheduleRecheck();
  void ScheduleRoutingRepair();
  void RepairRouting();
  void ApplyLanes();
  void NotifyEndpoints();

  PolicyConfig config_;
  Dependencies deps_;
  net::LinkTable no_links_;  // stands in when no table was given: no links known
  std::function<void()> on_change_;
  std::vector<std::unique_ptr<WanRuntime>> wans_;
  WanRoutingActuator routing_;
  NftPolicyActuator nft_;
  std::optional<LaneActuator> lanes_;
  std::string last_lane_error_;  // logged once until it changes
  // The kernel's lane counters per interface, read at most every kLaneCounterRefresh: state is
  // published on every health sample, and status needs counters, not a netlink dump each time.
  struct LaneCounterSnapshot {
    SteadyTime read{};
    std::vector<net::HtbLaneCounters> counters;
  };
  const std::vector<net::HtbLaneCounters>& LaneCounters(const std::string& interface) const;
  mutable std::map<std::string, LaneCounterSnapshot> lane_counters_;
  std::optional<Decision> decision_;
  std::optional<RoutingIntent> applied_routing_;
  bool routing_dirty_ = true;  // the kernel may have dropped routes (link went down or up)
  bool started_ = false;
  bool evaluating_ = false;
  bool again_ = false;
  TimerHandle recheck_;
  std::array<std::optional<OperatorPin>, kTrafficClassCount> pins_;
  // Shared with the subscriptions' handles, so a handle outliving the controller is harmless.
  std::shared_ptr<std::map<uint64_t, WanEndpointsObserver>> endpoint_observers_ =
      std::make_shared<std::map<uint64_t, WanEndpointsObserver>>();
  uint64_t next_observer_ = 0;
  std::optional<std::vector<WanEndpoints>> notified_endpoints_;  // what observers last heard
  TimerHandle routing_repair_;  // a burst of removals is repaired in one pass
  bool routing_repair_pending_ = false;
  size_t conntrack_deleted_ = 0;
  size_t drift_repairs_ = 0;
};

}  // namespace uplinkd::policy
