#pragma once
// The typed state of the whole daemon, one part per owner: the daemon's own lifecycle, the modems,
// the links, the policy's Wans and paths, the alert relay and the inference worker (tunnels and
// out-of-band are further parts when they exist: a member here, a StatePart, a source). The
// StateStore keeps the latest Snapshot; status.json (state/status_json.h) and the D-Bus properties
// (dbus/*_properties.h) are renderers that read only these fields.
//
// Why typed: a renderer names the fields it reads (`wan.health.rtt_ms`), so renaming or retyping a
// field here or in a domain's status struct breaks the build of every renderer that uses it
// (tests/unit/state/renamed_field_breaks_build_test.sh proves it) instead of blanking a value.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "modem/modem_wan_state.h"
#include "net/link_table.h"
#include "policy/wan_status.h"
#include "relay/alert_relay_status.h"

namespace uplinkd::state {

enum class StatePart : uint8_t { kDaemon, kModems, kLinks, kWans, kPaths, kAlerts, kInference, kEvents };
inline constexpr size_t kStatePartCount = 8;
const char* StatePartName(StatePart part);

// Which parts a publication changed.
class StateChanges {
 public:
  static StateChanges All() { return StateChanges(std::bitset<kStatePartCount>().set()); }
  StateChanges() = default;
  void Add(StatePart part) { bits_.set(static_cast<size_t>(part)); }
  bool Has(StatePart part) const { return bits_.test(static_cast<size_t>(part)); }
  bool Any() const { return bits_.any(); }
  friend bool operator==(const StateChanges&, const StateChanges&) = default;

 private:
  explicit StateChanges(std::bitset<kStatePartCount> bits) : bits_(bits) {}
  std::bitset<kStatePartCount> bits_;
};

// The daemon's own lifecycle and configuration.
struct DaemonState {
  std::string version;
  int pid = 0;
  SteadyTime started_at{};      // uptime = Snapshot::taken - started_at
  uint64_t start_time_unix = 0;  // seconds since the Unix epoch
  std::string config_path;
  uint64_t config_generation = 0;
  std::string last_reload = "none";
  std::string bus;
  std::string log_level;
  bool ready = false;     // the first state is applied (READY=1)
  bool stopping = false;  // asked to stop
  uint32_t modems_configured = 0;
  bool policy_running = false;  // with a policy, the uplinks are its Wans
  friend bool operator==(const DaemonState&, const DaemonState&) = default;
};

enum class WorkerPhase : uint8_t { kStopped, kRunning, kBackingOff, kStopping };
const char* WorkerPhaseName(WorkerPhase phase);

struct InferenceWorkerState {
  WorkerPhase phase = WorkerPhase::kStopped;
  int pid = 0;
  uint64_t starts = 0;
  uint64_t exits = 0;
  uint64_t watchdog_kills = 0;
  friend bool operator==(const InferenceWorkerState&, const InferenceWorkerState&) = default;
};

struct InferenceState {
  bool enabled = false;
  std::string error;                          // why the worker is not running, when it should be
  std::optional<InferenceWorkerState> worker;  // none: no supervisor
  friend bool operator==(const InferenceState&, const InferenceState&) = default;
};

struct AlertsState {
  bool enabled = false;
  std::string error;                             // why the relay is not running, when it should be
  std::optional<relay::AlertRelayStatus> relay;  // none: the relay is not running
  friend bool operator==(const AlertsState&, const AlertsState&) = default;
};

struct RecentEvent {
  modem::ModemEvent event;
  int64_t time = 0;  // seconds since the Unix epoch
  friend bool operator==(const RecentEvent&, const RecentEvent&) = default;
};

struct Snapshot {
  DaemonState daemon;
  std::vector<modem::ModemWanState> modems;  // one per configured modem
  std::vector<net::LinkEntry> links;         // by interface index
  std::vector<policy::WanStatus> wans;       // in configuration order; empty without a policy
  std::optional<policy::PathsStatus> paths;  // none: no policy, or no decision yet
  AlertsState alerts;
  InferenceState inference;
  std::vector<RecentEvent> recent_events;  // the newest last
  SteadyTime taken{};                      // when the store last refreshed it
};

}  // namespace uplinkd::state
