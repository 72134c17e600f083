#pragma once
// One Wan's health as a state machine driven by probe results, link events and modem-layer
// signals, on the Scheduler. Failure detection is fast, recovery is cautious:
//
//   Unknown --up_rounds good rounds--> Up --a probe lost / signal very weak--> Suspect
//   Suspect --one good round--> Up        Suspect --down_rounds bad rounds--> Down
//   Down --up_rounds good rounds, and at least the hold time since Down--> Up
//   any --link down / bearer lost / registration lost--> Down at once
//   Down, never Up yet (no bearer at start) --link and bearer there--> Unknown (no hold)
//
// While Up, one probe every steady_interval (targets in turn) keeps the byte cost low; the
// moment one is lost, confirmation rounds (every target, k of n must answer) run every
// fast_interval, so a blackholed path is Down within steady_interval + 2 timeouts +
// (down_rounds - 1) x fast_interval. The hold time doubles for each further Down within
// flap_window (flap damping). Every change of the published WanHealth goes to the callback.
//
// A probe counts as lost after the adaptive timeout but is still listened for until the
// configured `timeout`: an answer arriving that late means the path is slow (a queue filled
// up), not dead. It raises the timeout, takes a Suspect Wan back Up, and retracts a Down that
// probes declared in the meantime (without counting it as a flap).
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/logger.h"
#include "base/scheduler.h"
#include "policy/health/probe_budget.h"
#include "policy/health/probe_settings.h"
#include "policy/health/probe_window.h"
#include "policy/health/prober.h"
#include "policy/health/rtt_estimator.h"
#include "policy/wan_health.h"

namespace uplinkd::policy {

// What the modem layer knows about a cellular Wan (from modem::ModemWanState). Wans without a
// modem (a wired eth1) never receive one and keep these defaults.
struct ModemLinkSignal {
  bool registered = true;        // registered with data service (home or roaming)
  bool bearer_connected = true;  // the data bearer is up
  std::optional<uint32_t> signal_quality_percent;
  friend bool operator==(const ModemLinkSignal&, const ModemLinkSignal&) = default;
};

class WanHealthTracker {
 public:
  using Publish = std::function<void(const WanHealth&)>;

  // `settings` as ReadHealthSection checked them, or defaults with no targets: a Wan without
  // [wan.health] is Up while its link and bearer are (after the hold when it comes back) and
  // never probes. The scheduler and prober must outlive the tracker. `publish` runs on every
  // change of the WanHealth value (with probes, about every steady probe, as the RTT moves);
  // it must not destroy the tracker.
  WanHealthTracker(std::string wan, HealthSettings settings, Scheduler& scheduler, Prober& prober,
                   Publish publish);
  ~WanHealthTracker();
  WanHealthTracker(const WanHealthTracker&) = delete;
  WanHealthTracker& operator=(const WanHealthTracker&) = delete;

  // Starts probing (from Unknown, fast rounds), or goes Down at once if the link or bearer is
  // already known to be gone.
  void Start();
  // Stops probing and cancels every probe in flight; the state becomes Unknown.
  void Stop();

  // Netlink: the Wan's interface is up with carrier (IFF_UP and IFF_LOWER_UP) or not.
  void OnLinkChanged(bool carrier_up);
  // The modem layer's view; bearer or registration lost is Down at once, signal quality under
  // suspect_signal_percent makes an Up Wan Suspect, under degraded_signal_percent degraded.
  void OnModemChanged(const ModemLinkSignal& modem);

  const WanHealth& health() const { return health_; }
  // The timeout a probe sent now would get, and the hold a Down entered now would get.
  std::chrono::milliseconds probe_timeout() const { return rtt_.Timeout(); }
  std::chrono::milliseconds hold() const { return hold_; }
  const HealthSettings& settings() const { return settings_; }

 private:
  struct Probe {
    size_t target = 0;
    uint64_t round = 0;
    bool counts = true;  // into the window (not for re-checks of a target already silent)
    SteadyTime sent{};
    ProbeHandle handle;
    TimerHandle timeout;
  };
  struct Round {
    uint32_t needed = 1;
    uint32_t total = 1;
    uint32_t answered = 0;
    uint32_t lost = 0;
    bool decided = false;
    bool failure_matters = true;  // false for a steady re-check of a silent target
  };

  bool Usable() const;
  std::string UnusableReason() const;
  void BecameUsable(const char* what);

  void Tick();
  void RestartCadence(bool now);
  void CancelProbing();  // rounds and probes in flight; late listeners stay
  void CancelAll();      // also the late listeners (the link or bearer is gone)
  void StartRound();
  void SendSteadyProbe();
  uint64_t NewRound(Round round);
  void SendProbe(size_t target, uint64_t round, bool counts);
  void OnProbeDone(uint64_t id, const ProbeOutcome& outcome);
  void OnProbeTimeout(uint64_t id);
  void OnLateAnswer(const Probe& probe, const ProbeOutcome& outcome);
  // Sent before its target's first answer: lost while the link, address, route or neighbour was
  // still being set up (or that target never answered yet). It decides rounds but is no loss in
  // the statistics, or a healthy Wan would start out degraded.
  bool StartupProbe(const Probe& probe) const;
  void RecordRoundResult(uint64_t round_id, bool answered);
  void OnRoundDecided(const Round& round, bool good);

  void EnterUp(std::string reason);
  void EnterSuspect(std::string reason);
  void EnterDown(std::string reason);
  void SetState(WanHealthState state, std::string reason);

  void UpdateMetrics();
  void MaybePublish();
  std::string RoundsReason(uint32_t rounds, bool good) const;

  // Wraps a callback so it does nothing once the tracker is gone (a fired timer's handler can
  // already be queued when its handle is cancelled).
  template <typename F>
  auto Guarded(F callback) {
    return [weak = std::weak_ptr<int>(lifetime_), callback](auto&&... args) {
      if (weak.lock()) callback(std::forward<decltype(args)>(args)...);
    };
  }

  std::string wan_;
  HealthSettings settings_;
  Scheduler& scheduler_;
  Prober& prober_;
  Publish publish_;
  Logger log_{LogModule::kPolicy};

  WanHealth health_;
  std::optional<WanHealth> published_;
  std::string state_reason_;
  std::string degraded_reason_;

  bool started_ = false;
  bool ever_up_ = false;  // until the first Up, a Down is "not there yet", not a failure
  bool link_up_ = true;
  ModemLinkSignal modem_;
  bool signal_weak_ = false;

  ProbeWindow window_;
  RttEstimator rtt_;
  ProbeBudget budget_;
  bool budget_short_ = false;

  std::vector<bool> silent_;  // the target's last probe went unanswered
  std::vector<std::optional<SteadyTime>> first_answer_;  // per target: its first answer
  size_t next_steady_ = 0;
  uint64_t steady_slots_ = 0;
  std::map<uint64_t, Probe> probes_;
  std::map<uint64_t, Probe> lingering_;  // counted lost, still listened for until `timeout`
  std::map<uint64_t, Round> rounds_;
  uint64_t next_probe_id_ = 0;
  uint64_t next_round_id_ = 0;
  TimerHandle cadence_;
  uint64_t cadence_generation_ = 0;
  uint32_t good_streak_ = 0;
  uint32_t bad_streak_ = 0;

  std::deque<SteadyTime> downs_;  // entries into Down from Up or Suspect, within flap_window
  std::chrono::milliseconds hold_{0};
  std::chrono::milliseconds hold_before_down_{0};
  bool down_by_probes_ = false;  // Down because rounds failed (a late answer may retract it)
  bool down_was_flap_ = false;

  std::shared_ptr<int> lifetime_ = std::make_shared<int>(0);
};

}  // namespace uplinkd::policy
