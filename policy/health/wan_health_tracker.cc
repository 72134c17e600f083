#include "policy/health/wan_health_tracker.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace uplinkd::policy {
namespace {

// While Up, every this many steady probes one goes to a target that went silent, to notice it
// answering again; the others go only to targets that answer.
constexpr uint64_t kSilentRecheckEvery = 10;
// Loss is judged only once the window holds this many probes.
constexpr size_t kMinProbesForLoss = 5;

}  // namespace

WanHealthTracker::WanHealthTracker(std::string wan, HealthSettings settings, Scheduler& scheduler,
                                   Prober& prober, Publish publish)
    : wan_(std::move(wan)),
      settings_(std::move(settings)),
      scheduler_(scheduler),
      prober_(prober),
      publish_(std::move(publish)),
      window_(settings_.window),
      rtt_(settings_.timeout_min, settings_.timeout),
      budget_(settings_.max_probe_bytes_per_hour, scheduler.Now()),
      silent_(settings_.targets.size(), false),
      first_answer_(settings_.targets.size()) {
  health_.wan = wan_;
  health_.since = scheduler_.Now();
  health_.reason = "not started";
  state_reason_ = health_.reason;
  settings_.reliability = std::clamp<uint32_t>(settings_.reliability, 1,
                                               std::max<uint32_t>(1, static_cast<uint32_t>(settings_.targets.size())));
  hold_ = settings_.min_hold;
}

WanHealthTracker::~WanHealthTracker() {
  lifetime_.reset();
  CancelAll();
}

bool WanHealthTracker::Usable() const { return link_up_ && modem_.registered && modem_.bearer_connected; }

std::string WanHealthTracker::UnusableReason() const {
  // "lost" only for what this Wan had: at start a bearer is simply not there yet.
  if (!link_up_) return ever_up_ ? "link down" : "link not up";
  if (!modem_.registered) return ever_up_ ? "registration lost" : "not registered";
  if (!modem_.bearer_connected) return ever_up_ ? "bearer lost" : "no bearer";
  return "";
}

void WanHealthTracker::BecameUsable(const char* what) {
  if (health_.state != WanHealthState::kDown) return;
  if (!ever_up_) {
    // Never up: nothing failed, so no hold and no cautious recovery; probe as at start.
    SetState(WanHealthState::kUnknown, "probing");
    good_streak_ = bad_streak_ = 0;
  } else {
    state_reason_ = std::string(what) + "; confirming";
  }
  RestartCadence(true);
}

void WanHealthTracker::Start() {
  if (started_) return;
  started_ = true;
  if (!Usable()) {
    EnterDown(UnusableReason());
  } else if (settings_.targets.empty()) {
    SetState(WanHealthState::kUp, "link and bearer up (no probe targets)");
    ever_up_ = true;
  } else {
    SetState(WanHealthState::kUnknown, "probing");
    good_streak_ = bad_streak_ = 0;
    RestartCadence(true);
  }
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::Stop() {
  if (!started_) return;
  started_ = false;
  CancelAll();
  SetState(WanHealthState::kUnknown, "not probing");
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::OnLinkChanged(bool carrier_up) {
  if (carrier_up == link_up_) return;
  bool was_usable = Usable();
  link_up_ = carrier_up;
  if (started_) {
    if (!Usable()) {
      EnterDown(UnusableReason());
    } else if (!was_usable) {
      BecameUsable("link up again");
    }
  }
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::OnModemChanged(const ModemLinkSignal& modem) {
  bool was_usable = Usable();
  modem_ = modem;
  bool weak = modem_.signal_quality_percent && settings_.suspect_signal_percent > 0 &&
              *modem_.signal_quality_percent < settings_.suspect_signal_percent;
  bool became_weak = weak && !signal_weak_;
  signal_weak_ = weak;
  if (started_) {
    if (!Usable()) {
      if (health_.state != WanHealthState::kDown || state_reason_ != UnusableReason()) EnterDown(UnusableReason());
    } else if (!was_usable) {
      BecameUsable("bearer and registration back");
    } else if (became_weak && health_.state == WanHealthState::kUp) {
      EnterSuspect(fmt::format("signal {}% under {}%", *modem_.signal_quality_percent,
                               settings_.suspect_signal_percent));
    }
  }
  UpdateMetrics();
  MaybePublish();
}

// --- cadence -------------------------------------------------------------------------------

void WanHealthTracker::RestartCadence(bool now) {
  cadence_.Cancel();
  // A cancelled timer's handler may already be queued on the loop: the generation tells it
  // that it is stale.
  uint64_t generation = ++cadence_generation_;
  if (!started_ || !Usable()) return;
  if (settings_.targets.empty()) {
    // Without probes, health follows link and bearer; coming back still waits out the hold.
    if (health_.state == WanHealthState::kUp) return;
    auto held = std::chrono::duration_cast<std::chrono::milliseconds>(scheduler_.Now() - health_.since);
    auto wait = ever_up_ ? std::max(hold_ - held, std::chrono::milliseconds(0)) : std::chrono::milliseconds(0);
    cadence_ = scheduler_.RunAfter(wait,
                                   Guarded([this, generation] {
                                     if (generation != cadence_generation_) return;
                                     EnterUp("link and bearer up (no probe targets)");
                                     UpdateMetrics();
                                     MaybePublish();
                                   }));
    return;
  }
  if (now) {
    Tick();
    return;
  }
  std::chrono::milliseconds interval = health_.state == WanHealthState::kUp     ? settings_.steady_interval
                                       : health_.state == WanHealthState::kDown ? settings_.recovery_interval
                                                                                : settings_.fast_interval;
  cadence_ = scheduler_.RunAfter(interval, Guarded([this, generation] {
    if (generation == cadence_generation_) Tick();
  }));
}

void WanHealthTracker::Tick() {
  if (health_.state == WanHealthState::kUp) {
    SendSteadyProbe();
  } else {
    StartRound();
  }
  RestartCadence(false);
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::CancelProbing() {
  cadence_.Cancel();
  ++cadence_generation_;
  // Destroying the probes cancels them (and their timeouts); their callbacks will not run.
  auto probes = std::move(probes_);
  probes_.clear();
  probes.clear();
  rounds_.clear();
}

void WanHealthTracker::CancelAll() {
  CancelProbing();
  auto lingering = std::move(lingering_);
  lingering_.clear();
  lingering.clear();
}

// --- probes and rounds ----------------------------------------------------------------------

uint64_t WanHealthTracker::NewRound(Round round) {
  uint64_t id = next_round_id_++;
  rounds_.emplace(id, round);
  return id;
}

void WanHealthTracker::StartRound() {
  uint64_t cost = 0;
  for (const auto& target : settings_.targets) cost += ProbeBytes(target);
  if (!budget_.TryCharge(cost, scheduler_.Now())) {
    if (!budget_short_) {
      log_.Warning("wan {}: probe byte cap ({} bytes/hour) reached; skipping rounds until it refills", wan_,
                   settings_.max_probe_bytes_per_hour);
    }
    budget_short_ = true;
    return;
  }
  budget_short_ = false;
  Round round;
  round.needed = settings_.reliability;
  round.total = static_cast<uint32_t>(settings_.targets.size());
  uint64_t id = NewRound(round);
  for (size_t i = 0; i < settings_.targets.size(); ++i) SendProbe(i, id, true);
}

void WanHealthTracker::SendSteadyProbe() {
  size_t n = settings_.targets.size();
  bool recheck = ++steady_slots_ % kSilentRecheckEvery == 0;
  // The next target in turn that answers (or, on a re-check slot, one that went silent).
  size_t chosen = next_steady_ % n;
  for (size_t step = 0; step < n; ++step) {
    size_t candidate = (next_steady_ + step) % n;
    if (silent_[candidate] == recheck) {
      chosen = candidate;
      break;
    }
  }
  next_steady_ = chosen + 1;
  bool was_silent = silent_[chosen];
  if (!budget_.TryCharge(ProbeBytes(settings_.targets[chosen]), scheduler_.Now())) {
    if (!budget_short_) {
      log_.Warning("wan {}: probe byte cap ({} bytes/hour) reached; skipping steady probes until it refills",
                   wan_, settings_.max_probe_bytes_per_hour);
    }
    budget_short_ = true;
    return;
  }
  budget_short_ = false;
  Round round;
  round.failure_matters = !was_silent;
  SendProbe(chosen, NewRound(round), !was_silent);
}

void WanHealthTracker::SendProbe(size_t target, uint64_t round, bool counts) {
  uint64_t id = next_probe_id_++;
  auto& probe = probes_[id];
  probe.target = target;
  probe.round = round;
  probe.counts = counts;
  probe.sent = scheduler_.Now();
  ++health_.probes_sent;
  probe.timeout = scheduler_.RunAfter(rtt_.Timeout(), Guarded([this, id] { OnProbeTimeout(id); }));
  probe.handle = prober_.Send(settings_.targets[target],
                              Guarded([this, id](const ProbeOutcome& outcome) { OnProbeDone(id, outcome); }));
}

void WanHealthTracker::OnProbeDone(uint64_t id, const ProbeOutcome& outcome) {
  auto node = probes_.extract(id);
  if (node.empty()) {
    auto late = lingering_.extract(id);
    if (!late.empty() && outcome.answered) OnLateAnswer(late.mapped(), outcome);
    return;
  }
  const Probe& probe = node.mapped();
  health_.probe_bytes += outcome.bytes;
  if (outcome.answered) {
    if (!first_answer_[probe.target]) first_answer_[probe.target] = scheduler_.Now();
    rtt_.Add(outcome.rtt);
    if (probe.counts) window_.AddAnswered(outcome.rtt);
    silent_[probe.target] = false;
  } else {
    ++health_.probes_lost;
    if (probe.counts && !StartupProbe(probe)) window_.AddLost();
    silent_[probe.target] = true;
    log_.Debug("wan {}: probe {} failed: {}", wan_, DescribeProbeTarget(settings_.targets[probe.target]),
               outcome.detail);
  }
  RecordRoundResult(probe.round, outcome.answered);
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::OnProbeTimeout(uint64_t id) {
  auto node = probes_.extract(id);
  if (node.empty()) return;
  const Probe& probe = node.mapped();
  // The request went out; no answer came back.
  health_.probe_bytes += ProbeBytes(settings_.targets[probe.target]) / 2;
  ++health_.probes_lost;
  if (probe.counts && !StartupProbe(probe)) window_.AddLost();
  silent_[probe.target] = true;
  uint64_t round = probe.round;
  // Keep listening until the configured timeout: a late answer tells slow from dead.
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(scheduler_.Now() - probe.sent);
  if (waited < settings_.timeout) {
    node.mapped().timeout = scheduler_.RunAfter(settings_.timeout - waited, Guarded([this, id] {
      lingering_.erase(id);
    }));
    lingering_.insert(std::move(node));
  }
  RecordRoundResult(round, false);
  UpdateMetrics();
  MaybePublish();
}

bool WanHealthTracker::StartupProbe(const Probe& probe) const {
  const auto& first = first_answer_[probe.target];
  return !first || probe.sent < *first;
}

void WanHealthTracker::OnLateAnswer(const Probe& probe, const ProbeOutcome& outcome) {
  if (!first_answer_[probe.target]) first_answer_[probe.target] = scheduler_.Now();
  health_.probe_bytes += outcome.bytes - std::min(outcome.bytes, ProbeBytes(settings_.targets[probe.target]) / 2);
  rtt_.Add(outcome.rtt);
  if (probe.counts) window_.AddAnswered(outcome.rtt);
  silent_[probe.target] = false;
  auto reason = fmt::format("late answer after {} ms: the path is slow, not dead",
                            std::chrono::duration_cast<std::chrono::milliseconds>(outcome.rtt).count());
  if (health_.state == WanHealthState::kSuspect) {
    EnterUp(reason);
  } else if (health_.state == WanHealthState::kDown && down_by_probes_ && probe.sent < health_.since) {
    // The probe was sent before the rounds declared Down: retract it. It was no flap, so it
    // does not lengthen later holds. (Late answers to recovery rounds only raise the timeout.)
    if (down_was_flap_ && !downs_.empty()) downs_.pop_back();
    hold_ = hold_before_down_;
    EnterUp(reason + "; down retracted");
  }
  UpdateMetrics();
  MaybePublish();
}

void WanHealthTracker::RecordRoundResult(uint64_t round_id, bool answered) {
  auto it = rounds_.find(round_id);
  if (it == rounds_.end()) return;
  Round& round = it->second;
  (answered ? round.answered : round.lost) += 1;
  if (round.answered + round.lost >= round.total) {
    Round done = round;
    rounds_.erase(it);
    if (!done.decided) OnRoundDecided(done, done.answered >= done.needed);
    return;
  }
  if (round.decided) return;
  // Decided early: k answered, or too many lost for k to answer. The rest still feed the
  // window. A copy, since the decision may end every round.
  if (round.answered >= round.needed) {
    round.decided = true;
    Round decided = round;
    OnRoundDecided(decided, true);
  } else if (round.lost > round.total - round.needed) {
    round.decided = true;
    Round decided = round;
    OnRoundDecided(decided, false);
  }
}

void WanHealthTracker::OnRoundDecided(const Round& round, bool good) {
  switch (health_.state) {
    case WanHealthState::kUp:
      // Only steady probes run while Up.
      if (!good && round.failure_matters) EnterSuspect("probe lost; confirming");
      break;
    case WanHealthState::kSuspect:
      if (good) {
        EnterUp(fmt::format("confirmed: {} of {} targets answered", round.answered, round.total));
      } else if (++bad_streak_ >= settings_.down_rounds) {
        EnterDown(RoundsReason(bad_streak_, false));
      }
      break;
    case WanHealthState::kUnknown:
      if (good) {
        bad_streak_ = 0;
        if (++good_streak_ >= settings_.up_rounds) EnterUp(RoundsReason(good_streak_, true));
      } else {
        good_streak_ = 0;
        if (++bad_streak_ >= settings_.down_rounds) EnterDown(RoundsReason(bad_streak_, false));
      }
      break;
    case WanHealthState::kDown:
      if (!good) {
        good_streak_ = 0;
        health_.answering = false;
        break;
      }
      ++good_streak_;
      // The hold is for a Wan that failed after being up; one never up yet has nothing to damp.
      if (good_streak_ >= settings_.up_rounds && (!ever_up_ || scheduler_.Now() - health_.since >= hold_)) {
        EnterUp(RoundsReason(good_streak_, true));
      } else if (good_streak_ >= settings_.up_rounds) {
        state_reason_ = fmt::format("answering again; held down for {} ms after the last failure", hold_.count());
        health_.answering = true;  // the engine may use it when no other Wan is usable
      }
      break;
  }
}

std::string WanHealthTracker::RoundsReason(uint32_t rounds, bool good) const {
  size_t n = settings_.targets.size();
  if (good) return fmt::format("{} rounds with {} of {} targets answering", rounds, settings_.reliability, n);
  return fmt::format("{} rounds without {} of {} targets answering", rounds, settings_.reliability, n);
}

// --- states ---------------------------------------------------------------------------------

void WanHealthTracker::SetState(WanHealthState state, std::string reason) {
  if (state != health_.state) {
    health_.state = state;
    health_.since = scheduler_.Now();
    health_.answering = false;
  }
  state_reason_ = std::move(reason);
}

void WanHealthTracker::EnterUp(std::string reason) {
  log_.Notice("wan {}: up ({})", wan_, reason);
  // Coming back: the outage's lost probes say nothing about the path as it is now.
  if (health_.state == WanHealthState::kDown) window_.Clear();
  SetState(WanHealthState::kUp, std::move(reason));
  ever_up_ = true;
  good_streak_ = bad_streak_ = 0;
  CancelProbing();
  RestartCadence(false);
}

void WanHealthTracker::EnterSuspect(std::string reason) {
  log_.Info("wan {}: suspect ({})", wan_, reason);
  SetState(WanHealthState::kSuspect, std::move(reason));
  good_streak_ = bad_streak_ = 0;
  CancelProbing();
  RestartCadence(true);
}

void WanHealthTracker::EnterDown(std::string reason) {
  SteadyTime now = scheduler_.Now();
  bool by_probes = Usable();
  if (health_.state != WanHealthState::kDown) {
    down_by_probes_ = by_probes;
    down_was_flap_ = false;
    hold_before_down_ = hold_;
  } else if (!by_probes) {
    down_by_probes_ = false;
  }
  if (health_.state == WanHealthState::kUp || health_.state == WanHealthState::kSuspect) {
    down_was_flap_ = true;
    // A fall from Up is a flap; each one within flap_window doubles the hold.
    downs_.push_back(now);
    while (!downs_.empty() && now - downs_.front() > settings_.flap_window) downs_.pop_front();
    auto hold = settings_.min_hold;
    for (size_t i = 1; i < downs_.size() && hold < settings_.hold_max; ++i) hold *= 2;
    hold_ = std::min(hold, settings_.hold_max);
  }
  if (health_.state != WanHealthState::kDown) {
    log_.Notice("wan {}: down ({}); held down for at least {} ms", wan_, reason, hold_.count());
  }
  SetState(WanHealthState::kDown, std::move(reason));
  health_.answering = false;
  good_streak_ = bad_streak_ = 0;
  if (by_probes) {
    CancelProbing();
  } else {
    CancelAll();  // nothing can come back over a link or bearer that is gone
  }
  RestartCadence(false);
}

// --- publishing -----------------------------------------------------------------------------

void WanHealthTracker::UpdateMetrics() {
  health_.rtt_ms = window_.MeanRttMs();
  health_.jitter_ms = window_.JitterMs();
  health_.loss = window_.Loss();

  degraded_reason_.clear();
  bool usable_state = health_.state == WanHealthState::kUp || health_.state == WanHealthState::kSuspect;
  if (usable_state) {
    auto baseline = rtt_.BaselineMs();
    if (window_.count() >= kMinProbesForLoss && health_.loss >= settings_.degraded_loss &&
        settings_.degraded_loss > 0) {
      degraded_reason_ = fmt::format("loss at or above {:.0f}%", settings_.degraded_loss * 100);
    } else if (health_.rtt_ms && baseline && *health_.rtt_ms > *baseline * settings_.degraded_rtt_factor &&
               *health_.rtt_ms - *baseline >= static_cast<double>(settings_.degraded_rtt_margin.count())) {
      degraded_reason_ = fmt::format("RTT over {:g}x its baseline", settings_.degraded_rtt_factor);
    } else if (modem_.signal_quality_percent &&
               *modem_.signal_quality_percent < settings_.degraded_signal_percent) {
      degraded_reason_ = fmt::format("signal under {}%", settings_.degraded_signal_percent);
    }
  }
  health_.degraded = !degraded_reason_.empty();
  health_.reason = degraded_reason_.empty() ? state_reason_ : state_reason_ + "; degraded: " + degraded_reason_;
}

void WanHealthTracker::MaybePublish() {
  if (published_ && *published_ == health_) return;
  published_ = health_;
  if (publish_) publish_(health_);
}

}  // namespace uplinkd::policy
