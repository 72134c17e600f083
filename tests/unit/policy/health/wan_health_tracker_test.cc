#include "policy/health/wan_health_tracker.h"

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"
#include "policy/health/fake_prober.h"

namespace uplinkd::policy {
namespace {

using std::chrono::milliseconds;
using State = WanHealthState;

const net::IpAddress kA = *net::IpAddress::Parse("203.0.113.10");
const net::IpAddress kB = *net::IpAddress::Parse("203.0.113.11");
const net::IpAddress kC = *net::IpAddress::Parse("192.0.2.10");

ProbeTarget Icmp(const net::IpAddress& address) {
  ProbeTarget target;
  target.kind = ProbeKind::kIcmp;
  target.address = address;
  return target;
}

class WanHealthTrackerTest : public ::testing::Test {
 protected:
  WanHealthTrackerTest() { settings.targets = {Icmp(kA), Icmp(kB)}; }

  void Make() {
    tracker = std::make_unique<WanHealthTracker>("wan1", settings, scheduler, prober,
                                                 [this](const WanHealth& health) { published.push_back(health); });
  }
  void Start() {
    Make();
    tracker->Start();
  }
  // Starts and runs until Up, then lets the RTT estimate settle for a few seconds.
  void StartUp() {
    Start();
    ASSERT_TRUE(RunUntil(State::kUp, milliseconds(5000)));
    scheduler.AdvanceBy(milliseconds(5000));
    ASSERT_EQ(health().state, State::kUp);
  }
  const WanHealth& health() const { return tracker->health(); }
  void Run(milliseconds duration) { scheduler.AdvanceBy(duration); }
  // Advances 1 ms at a time until `state`; the time taken, or nullopt after `limit`.
  std::optional<milliseconds> RunUntil(State state, milliseconds limit) {
    for (milliseconds waited{0}; waited <= limit; waited += milliseconds(1)) {
      if (health().state == state) return waited;
      scheduler.AdvanceBy(milliseconds(1));
    }
    return std::nullopt;
  }
  void SetAll(FakeProber::Behaviour behaviour) {
    prober.SetDefault(behaviour);
    for (const auto& target : settings.targets) prober.SetBehaviour(target.address, behaviour);
  }
  // The published states in order, consecutive repeats folded.
  std::vector<State> StateHistory() const {
    std::vector<State> states;
    for (const auto& health : published) {
      if (states.empty() || states.back() != health.state) states.push_back(health.state);
    }
    return states;
  }
  size_t CountEntries(State state) const {
    size_t count = 0;
    auto history = StateHistory();
    for (auto s : history) count += s == state ? 1 : 0;
    return count;
  }

  FakeScheduler scheduler;
  FakeProber prober{scheduler};
  HealthSettings settings;
  std::vector<WanHealth> published;
  std::unique_ptr<WanHealthTracker> tracker;
};

TEST_F(WanHealthTrackerTest, ComesUpAfterUpRoundsOfFastProbing) {
  Start();
  EXPECT_EQ(health().state, State::kUnknown);
  // Rounds at 0, 100, ... 400 ms; the fifth is answered 20 ms after it was sent.
  auto took = RunUntil(State::kUp, milliseconds(5000));
  ASSERT_TRUE(took);
  EXPECT_EQ(*took, milliseconds(420));
  EXPECT_EQ(health().reason, "5 rounds with 1 of 2 targets answering");
  EXPECT_EQ(StateHistory(), (std::vector<State>{State::kUnknown, State::kUp}));
  EXPECT_EQ(health().since, scheduler.Now());
  ASSERT_TRUE(health().rtt_ms);
  EXPECT_DOUBLE_EQ(*health().rtt_ms, 20.0);
  EXPECT_DOUBLE_EQ(*health().jitter_ms, 0.0);
  EXPECT_EQ(health().loss, 0.0);
  EXPECT_FALSE(health().degraded);
}

TEST_F(WanHealthTrackerTest, SteadyProbingIsOneProbePerIntervalTakingTargetsInTurn) {
  StartUp();
  size_t before = prober.sent().size();
  Run(milliseconds(45000));
  auto sent = std::vector<FakeProber::SentProbe>(prober.sent().begin() + static_cast<long>(before), prober.sent().end());
  EXPECT_EQ(sent.size(), 100u);  // one every 450 ms
  for (size_t i = 1; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i].at - sent[i - 1].at, milliseconds(450));
    EXPECT_NE(sent[i].target.address, sent[i - 1].target.address);
  }
  EXPECT_EQ(CountEntries(State::kSuspect), 0u);
}

TEST_F(WanHealthTrackerTest, BlackholeIsDownWithinOneSecondWhateverItsPhase) {
  // The blackhole may start anywhere in the steady cycle; the worst case is just after a probe
  // was answered: steady_interval (450) + timeout (100) + fast_interval (100) + timeout (100).
  milliseconds worst{0};
  for (int offset = 0; offset < 450; offset += 9) {
    published.clear();
    StartUp();
    Run(milliseconds(offset));
    SetAll(FakeProber::Silent());
    auto took = RunUntil(State::kDown, milliseconds(5000));
    ASSERT_TRUE(took) << "offset " << offset;
    worst = std::max(worst, *took);
    EXPECT_LE(*took, milliseconds(750)) << "offset " << offset;
    EXPECT_EQ(StateHistory(), (std::vector<State>{State::kUnknown, State::kUp, State::kSuspect, State::kDown}));
    EXPECT_EQ(health().reason, "2 rounds without 1 of 2 targets answering");
    SetAll(FakeProber::Answer());
    tracker.reset();
    EXPECT_EQ(prober.in_flight(), 0u);
  }
  EXPECT_GE(worst, milliseconds(700));  // the bound is reached, not just respected
  EXPECT_LT(worst, milliseconds(1000));
}

TEST_F(WanHealthTrackerTest, OneLostProbeIsConfirmedAwayWithoutGoingDown) {
  StartUp();
  prober.SetBehaviour(kA, FakeProber::Silent());
  ASSERT_TRUE(RunUntil(State::kSuspect, milliseconds(1000)));
  EXPECT_EQ(health().reason, "probe lost; confirming");
  // The confirmation round goes out at once; kB answers it.
  auto took = RunUntil(State::kUp, milliseconds(1000));
  ASSERT_TRUE(took);
  EXPECT_EQ(*took, milliseconds(20));
  EXPECT_EQ(health().reason, "confirmed: 1 of 2 targets answered");
  EXPECT_EQ(CountEntries(State::kDown), 0u);
  EXPECT_EQ(health().probes_lost, 1u);
}

TEST_F(WanHealthTrackerTest, KOfNToleratesOneSilentTargetWithoutChurning) {
  settings.targets = {Icmp(kA), Icmp(kB), Icmp(kC)};
  settings.reliability = 2;
  StartUp();
  prober.SetBehaviour(kC, FakeProber::Silent());
  Run(milliseconds(60000));
  EXPECT_EQ(health().state, State::kUp);
  // Suspect once, when the silent target is first missed; after that it is only re-checked
  // (every tenth steady probe), which does not raise suspicion again.
  EXPECT_EQ(CountEntries(State::kSuspect), 1u);
  EXPECT_EQ(CountEntries(State::kDown), 0u);
  EXPECT_GT(prober.SentTo(kC), 10u);
  EXPECT_LT(prober.SentTo(kC), 30u);
  // A second silent target leaves fewer than 2 of 3: Down.
  prober.SetBehaviour(kB, FakeProber::Silent());
  EXPECT_TRUE(RunUntil(State::kDown, milliseconds(5000)));
  EXPECT_EQ(health().reason, "2 rounds without 2 of 3 targets answering");
}

TEST_F(WanHealthTrackerTest, KOfNFromUnknown) {
  settings.min_hold = milliseconds(20000);  // would apply only to a Wan that had been up
  settings.targets = {Icmp(kA), Icmp(kB), Icmp(kC)};
  settings.reliability = 2;
  prober.SetBehaviour(kB, FakeProber::Silent());
  prober.SetBehaviour(kC, FakeProber::Silent());
  Start();
  // Only one of three answers: the first rounds time out after timeout_ms (no RTT known yet).
  EXPECT_TRUE(RunUntil(State::kDown, milliseconds(3000)));
  EXPECT_EQ(CountEntries(State::kUp), 0u);
  prober.SetBehaviour(kC, FakeProber::Answer());
  // Five good recovery rounds, one a second; no hold, since it was never up.
  auto took = RunUntil(State::kUp, milliseconds(10000));
  ASSERT_TRUE(took);
  EXPECT_LE(*took, milliseconds(5100));
}

TEST_F(WanHealthTrackerTest, RecoveryNeedsUpRoundsAndTheHoldTime) {
  settings.min_hold = milliseconds(10000);
  StartUp();
  SetAll(FakeProber::Silent());
  ASSERT_TRUE(RunUntil(State::kDown, milliseconds(1000)));
  SteadyTime down_at = scheduler.Now();
  EXPECT_EQ(tracker->hold(), milliseconds(10000));
  SetAll(FakeProber::Answer());
  // Five good recovery rounds (one a second) come after 5 s, but the hold keeps it Down to 10 s.
  Run(milliseconds(9000));
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "answering again; held down for 10000 ms after the last failure");
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(3000)));
  EXPECT_GE(scheduler.Now() - down_at, milliseconds(10000));
  EXPECT_LE(scheduler.Now() - down_at, milliseconds(11100));
  // The outage's lost probes are forgotten: the path is judged as it is now.
  EXPECT_EQ(health().loss, 0.0);
  EXPECT_FALSE(health().degraded);
}

// Held Down after a failure while its probes pass again: it says so (WanHealth::answering), so
// the engine can use it when nothing else is usable; a bad round or Up clears it.
TEST_F(WanHealthTrackerTest, AHeldDownWanWhoseProbesPassIsAnswering) {
  settings.min_hold = milliseconds(30000);
  StartUp();
  SetAll(FakeProber::Silent());
  ASSERT_TRUE(RunUntil(State::kDown, milliseconds(1000)));
  EXPECT_FALSE(health().answering);
  SetAll(FakeProber::Answer());
  Run(milliseconds(4050));  // four good recovery rounds: not yet passing
  EXPECT_FALSE(health().answering);
  Run(milliseconds(1000));  // the fifth
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_TRUE(health().answering);
  EXPECT_TRUE(published.back().answering);
  SetAll(FakeProber::Silent());
  Run(milliseconds(1100));  // one bad round
  EXPECT_FALSE(health().answering);
  SetAll(FakeProber::Answer());
  Run(milliseconds(5050));
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_TRUE(health().answering);
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(30000)));
  EXPECT_FALSE(health().answering);
}

// Probes that fail before their target ever answered (the route or neighbour not there yet at
// start) decide rounds but are no loss: a healthy Wan does not start out degraded.
TEST_F(WanHealthTrackerTest, StartUpLossesAreNoDegradation) {
  prober.SetBehaviour(kB, FakeProber::FailAtOnce());
  Start();
  Run(milliseconds(250));  // rounds at 0, 100, 200 ms: b fails each time, a answers
  prober.SetBehaviour(kB, FakeProber::Answer());
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(2000)));
  Run(milliseconds(5000));
  for (const auto& sample : published) EXPECT_FALSE(sample.degraded) << sample.reason;
  EXPECT_EQ(health().loss, 0.0);
  EXPECT_GE(health().probes_lost, 3u);  // still counted as sent and lost
  // Once a target has answered, its losses count again.
  prober.SetBehaviour(kB, FakeProber::FailAtOnce());
  prober.SetBehaviour(kA, FakeProber::FailAtOnce());
  Run(milliseconds(1000));
  EXPECT_GT(health().loss, 0.0);
}

TEST_F(WanHealthTrackerTest, ABadRoundRestartsTheRecoveryCount) {
  settings.min_hold = milliseconds(0);
  StartUp();
  SetAll(FakeProber::Silent());
  ASSERT_TRUE(RunUntil(State::kDown, milliseconds(1000)));
  SetAll(FakeProber::Answer());
  Run(milliseconds(4050));  // four good rounds
  EXPECT_EQ(health().state, State::kDown);
  SetAll(FakeProber::Silent());
  Run(milliseconds(1000));  // one bad
  SetAll(FakeProber::Answer());
  Run(milliseconds(4000));  // four good again: not yet
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_TRUE(RunUntil(State::kUp, milliseconds(1100)));
}

TEST_F(WanHealthTrackerTest, FlapsDoubleTheHoldUpToTheMaximum) {
  settings.min_hold = milliseconds(5000);
  settings.hold_max = milliseconds(30000);
  settings.flap_window = milliseconds(600000);
  StartUp();
  std::vector<milliseconds> holds;
  std::vector<milliseconds> down_durations;
  for (int flap = 0; flap < 5; ++flap) {
    SetAll(FakeProber::Silent());
    ASSERT_TRUE(RunUntil(State::kDown, milliseconds(2000)));
    holds.push_back(tracker->hold());
    SetAll(FakeProber::Answer());
    auto took = RunUntil(State::kUp, milliseconds(60000));
    ASSERT_TRUE(took);
    down_durations.push_back(*took);
    Run(milliseconds(2000));
  }
  EXPECT_EQ(holds, (std::vector<milliseconds>{milliseconds(5000), milliseconds(10000), milliseconds(20000),
                                              milliseconds(30000), milliseconds(30000)}));
  for (size_t i = 0; i < holds.size(); ++i) {
    EXPECT_GE(down_durations[i], holds[i]);
    EXPECT_LE(down_durations[i], holds[i] + milliseconds(1100));
  }
  // A quiet flap window later, the hold is back to the minimum.
  Run(milliseconds(600000));
  SetAll(FakeProber::Silent());
  ASSERT_TRUE(RunUntil(State::kDown, milliseconds(2000)));
  EXPECT_EQ(tracker->hold(), milliseconds(5000));
}

TEST_F(WanHealthTrackerTest, LinkDownIsDownAtOnceAndProbingPauses) {
  StartUp();
  Run(milliseconds(10));  // a steady probe may be in flight
  tracker->OnLinkChanged(false);
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "link down");
  EXPECT_EQ(health().since, scheduler.Now());
  EXPECT_EQ(prober.in_flight(), 0u);
  size_t sent = prober.sent().size();
  Run(milliseconds(30000));
  EXPECT_EQ(prober.sent().size(), sent);
  EXPECT_EQ(scheduler.pending(), 0u);
  tracker->OnLinkChanged(true);
  EXPECT_EQ(health().reason, "link up again; confirming");
  EXPECT_EQ(prober.sent().size(), sent + 2);  // a recovery round at once
  EXPECT_TRUE(RunUntil(State::kUp, milliseconds(6000)));
}

TEST_F(WanHealthTrackerTest, BearerOrRegistrationLostIsDownAtOnce) {
  StartUp();
  tracker->OnModemChanged({.registered = true, .bearer_connected = false, .signal_quality_percent = 60});
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "bearer lost");
  tracker->OnModemChanged({.registered = false, .bearer_connected = false, .signal_quality_percent = 60});
  EXPECT_EQ(health().reason, "registration lost");
  EXPECT_EQ(CountEntries(State::kDown), 1u);
  tracker->OnModemChanged({.registered = true, .bearer_connected = true, .signal_quality_percent = 60});
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_TRUE(RunUntil(State::kUp, milliseconds(6000)));
}

TEST_F(WanHealthTrackerTest, StartWithoutBearerIsDownAndItsArrivalIsNoRecovery) {
  Make();
  tracker->OnModemChanged({.registered = true, .bearer_connected = false});
  tracker->Start();
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "no bearer");
  Run(milliseconds(3000));
  EXPECT_TRUE(prober.sent().empty());
  // The bearer connects: nothing had failed, so it is probed as at start (fast rounds, no hold).
  tracker->OnModemChanged({});
  EXPECT_EQ(health().state, State::kUnknown);
  EXPECT_EQ(RunUntil(State::kUp, milliseconds(2000)), milliseconds(420));
  // Once it has been up, losing the bearer is a failure, with the hold.
  tracker->OnModemChanged({.registered = true, .bearer_connected = false});
  EXPECT_EQ(health().reason, "bearer lost");
  tracker->OnModemChanged({});
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "bearer and registration back; confirming");
  auto took = RunUntil(State::kUp, milliseconds(10000));
  ASSERT_TRUE(took);
  EXPECT_GE(*took, milliseconds(5000));
}

TEST_F(WanHealthTrackerTest, StartWithoutCarrierIsDownUntilTheLinkComes) {
  Make();
  tracker->OnLinkChanged(false);
  tracker->Start();
  EXPECT_EQ(health().reason, "link not up");
  tracker->OnLinkChanged(true);
  EXPECT_EQ(RunUntil(State::kUp, milliseconds(2000)), milliseconds(420));
}

TEST_F(WanHealthTrackerTest, WithoutTargetsHealthFollowsLinkAndBearerWithTheHold) {
  settings.targets.clear();
  Make();
  tracker->OnModemChanged({.registered = true, .bearer_connected = false});
  tracker->Start();
  EXPECT_EQ(health().state, State::kDown);
  tracker->OnModemChanged({});
  EXPECT_EQ(RunUntil(State::kUp, milliseconds(1000)), milliseconds(1));  // never up: no hold, next turn
  EXPECT_EQ(health().state, State::kUp);
  EXPECT_EQ(health().reason, "link and bearer up (no probe targets)");
  tracker->OnModemChanged({.registered = true, .bearer_connected = false});
  EXPECT_EQ(health().state, State::kDown);
  EXPECT_EQ(health().reason, "bearer lost");
  Run(milliseconds(2000));
  tracker->OnModemChanged({});
  // Down at t=0, back at 2 s: Up when the 5 s hold is over, not before.
  auto took = RunUntil(State::kUp, milliseconds(10000));
  ASSERT_TRUE(took);
  EXPECT_EQ(*took, milliseconds(3000));
  EXPECT_TRUE(prober.sent().empty());
  // A second fall within the flap window doubles the hold.
  tracker->OnLinkChanged(false);
  tracker->OnLinkChanged(true);
  EXPECT_EQ(RunUntil(State::kUp, milliseconds(20000)), milliseconds(10000));
}

TEST_F(WanHealthTrackerTest, WeakSignalIsSuspectThenDegraded) {
  StartUp();
  tracker->OnModemChanged({.signal_quality_percent = 60});
  EXPECT_FALSE(health().degraded);
  tracker->OnModemChanged({.signal_quality_percent = 15});
  EXPECT_EQ(health().state, State::kUp);
  EXPECT_TRUE(health().degraded);
  EXPECT_EQ(health().reason, "5 rounds with 1 of 2 targets answering; degraded: signal under 20%");
  tracker->OnModemChanged({.signal_quality_percent = 3});
  EXPECT_EQ(health().state, State::kSuspect);
  EXPECT_EQ(health().reason, "signal 3% under 5%; degraded: signal under 20%");
  // The probes still pass: Up, but degraded.
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(500)));
  EXPECT_TRUE(health().degraded);
  // Staying weak does not raise suspicion again; getting better clears degraded.
  tracker->OnModemChanged({.signal_quality_percent = 4});
  EXPECT_EQ(health().state, State::kUp);
  tracker->OnModemChanged({.signal_quality_percent = 50});
  EXPECT_FALSE(health().degraded);
}

TEST_F(WanHealthTrackerTest, LossMakesItDegraded) {
  StartUp();
  FakeProber::Behaviour lossy = FakeProber::Answer(milliseconds(20), 0.3);
  SetAll(lossy);
  bool degraded = false;
  for (int i = 0; i < 600 && !degraded; ++i) {
    Run(milliseconds(100));
    degraded = health().degraded;
  }
  EXPECT_TRUE(degraded);
  EXPECT_NE(health().reason.find("degraded: loss at or above 10%"), std::string::npos) << health().reason;
  EXPECT_GE(health().loss, 0.1);
  SetAll(FakeProber::Answer());
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(120000)));
  Run(milliseconds(15000));  // the window (20 probes, 9 s) forgets
  EXPECT_EQ(health().state, State::kUp);
  EXPECT_FALSE(health().degraded);
}

TEST_F(WanHealthTrackerTest, RttInflationOverTheBaselineMakesItDegraded) {
  StartUp();
  // The RTT climbs gradually (the timeout follows it) to 8x the 20 ms baseline.
  for (int rtt = 20; rtt <= 160; rtt += 10) {
    SetAll(FakeProber::Answer(milliseconds(rtt)));
    Run(milliseconds(5000));
  }
  Run(milliseconds(10000));  // the window holds only the last step
  EXPECT_EQ(health().state, State::kUp);
  EXPECT_TRUE(health().degraded);
  EXPECT_NE(health().reason.find("degraded: RTT over 3x its baseline"), std::string::npos) << health().reason;
  ASSERT_TRUE(health().rtt_ms);
  EXPECT_NEAR(*health().rtt_ms, 160.0, 1.0);
}

TEST_F(WanHealthTrackerTest, ALateAnswerRetractsDownAndIsNoFlap) {
  StartUp();
  EXPECT_EQ(tracker->probe_timeout(), milliseconds(100));
  // A queue fills: RTT jumps from 20 to 400 ms, past the 100 ms timeout but under timeout_ms.
  SetAll(FakeProber::Answer(milliseconds(400)));
  ASSERT_TRUE(RunUntil(State::kDown, milliseconds(1000)));
  // The first late answer shows the path is slow, not dead.
  ASSERT_TRUE(RunUntil(State::kUp, milliseconds(400)));
  EXPECT_NE(health().reason.find("late answer after 400 ms: the path is slow, not dead; down retracted"),
            std::string::npos) << health().reason;
  EXPECT_GT(tracker->probe_timeout(), milliseconds(400));
  EXPECT_EQ(tracker->hold(), settings.min_hold);
  // Now the timeout covers the slow path: it stays up (degraded by RTT).
  published.clear();
  Run(milliseconds(20000));
  EXPECT_EQ(CountEntries(State::kDown), 0u);
  EXPECT_TRUE(health().degraded);
}

TEST_F(WanHealthTrackerTest, StopCancelsEverythingAndDestructionLeavesNothingBehind) {
  StartUp();
  Run(milliseconds(5));
  EXPECT_GT(prober.in_flight() + scheduler.pending(), 0u);
  tracker->Stop();
  EXPECT_EQ(health().state, State::kUnknown);
  EXPECT_EQ(prober.in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
  tracker->Start();
  Run(milliseconds(5));
  tracker.reset();
  EXPECT_EQ(prober.in_flight(), 0u);
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST_F(WanHealthTrackerTest, PublishesEveryChangeAndOnlyChanges) {
  StartUp();
  for (size_t i = 1; i < published.size(); ++i) EXPECT_NE(published[i], published[i - 1]);
  EXPECT_EQ(published.back(), health());
  size_t count = published.size();
  tracker->OnLinkChanged(true);  // no change
  tracker->OnModemChanged({});
  EXPECT_EQ(published.size(), count);
}

TEST_F(WanHealthTrackerTest, ByteAccountingMatchesTheSteadyBudget) {
  StartUp();
  uint64_t before = health().probe_bytes;
  uint64_t sent_before = health().probes_sent;
  Run(milliseconds(3600 * 1000));
  EXPECT_EQ(health().probes_sent - sent_before, 8000u);
  EXPECT_EQ(health().probe_bytes - before, SteadyProbeBytesPerHour(settings));
  EXPECT_EQ(health().probe_bytes - before, 448000u);
  EXPECT_LE(health().probe_bytes - before, settings.max_probe_bytes_per_hour);
}

TEST_F(WanHealthTrackerTest, TheByteCapHoldsEvenWhileFlapping) {
  settings.steady_interval = milliseconds(2000);  // 100,800 bytes/hour steady
  settings.min_hold = milliseconds(0);
  settings.up_rounds = 1;
  // Alternates every 1.5 s between blackhole and answering for an hour: many confirmation and
  // recovery rounds. Returns the probe bytes spent.
  auto flap_for_an_hour = [this](uint64_t cap) {
    settings.max_probe_bytes_per_hour = cap;
    published.clear();
    StartUp();
    uint64_t before = health().probe_bytes;
    for (int i = 0; i < 2400; ++i) {
      SetAll(i % 2 == 0 ? FakeProber::Silent() : FakeProber::Answer());
      Run(milliseconds(1500));
    }
    SetAll(FakeProber::Answer());
    return health().probe_bytes - before;
  };
  uint64_t unlimited = flap_for_an_hour(100 * 1024 * 1024);
  EXPECT_GT(CountEntries(State::kDown), 500u);
  uint64_t cap = 100 * 1024;  // steady probing (100,800) just fits
  ASSERT_GT(unlimited, cap * 3 / 2);  // so the cap below really limits
  uint64_t capped = flap_for_an_hour(cap);
  EXPECT_LE(capped, cap + cap / 60);
  EXPECT_GT(capped, cap / 2);
  // Rounds it could not pay for were skipped, not queued: once the path is stable it comes
  // back Up and steady probing fits the cap again.
  EXPECT_TRUE(RunUntil(State::kUp, milliseconds(120000)));
}

}  // namespace
}  // namespace uplinkd::policy
