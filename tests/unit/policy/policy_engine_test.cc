// The pure policy engine: each mode, hold time, pinning, the operator's administrative state and
// pins, and an invariant fuzzer over thousands of random health and operator sequences (fixed
// seeds, so a failure reproduces).
#include "policy/policy_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>

namespace uplinkd::policy {
namespace {

using namespace std::chrono_literals;

WanConfig Wan(std::string name, uint32_t priority, uint32_t weight = 1) {
  WanConfig wan;
  wan.name = std::move(name);
  wan.priority = priority;
  wan.weight = weight;
  return wan;
}

PolicyConfig ThreeWans() {
  PolicyConfig config;
  config.wans = {Wan("a", 1, 1), Wan("b", 2, 3), Wan("c", 3, 2)};
  config.hold_time = 5s;
  return config;
}

WanFacts Facts(WanHealthState state, bool degraded = false, std::optional<double> rtt = std::nullopt) {
  WanFacts facts;
  facts.link_up = true;
  facts.health.state = state;
  facts.health.degraded = degraded;
  facts.health.rtt_ms = rtt;
  return facts;
}

std::map<std::string, WanFacts> AllUp() {
  return {{"a", Facts(WanHealthState::kUp)}, {"b", Facts(WanHealthState::kUp)}, {"c", Facts(WanHealthState::kUp)}};
}

std::vector<std::string> WansOf(const ClassPath& path) {
  std::vector<std::string> names;
  for (const auto& wan : path.wans) names.push_back(wan.wan);
  return names;
}

const SteadyTime kT0 = SteadyTime{} + 1000s;

TEST(PolicyEngineTest, FailoverTakesTheFirstHealthyWanByPriority) {
  auto config = ThreeWans();
  config.wans[0].priority = 5;  // a is now last
  auto decision = PolicyEngine::Decide(config, AllUp(), nullptr, kT0);
  EXPECT_TRUE(decision.first);
  for (auto traffic_class : kTrafficClasses) EXPECT_EQ(WansOf(decision.path(traffic_class)), std::vector<std::string>{"b"});
}

TEST(PolicyEngineTest, TiersBeatPriority) {
  auto config = ThreeWans();
  auto wans = AllUp();
  wans["a"] = Facts(WanHealthState::kUp, /*degraded=*/true);
  auto decision = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(decision.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  wans["b"] = Facts(WanHealthState::kSuspect);
  wans["c"] = Facts(WanHealthState::kDown);
  decision = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(decision.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});  // degraded beats suspect
}

TEST(PolicyEngineTest, DownWanIsLeftAtOnceAndReportedLost) {
  auto config = ThreeWans();
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  wans["a"].health.state = WanHealthState::kDown;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 10ms);  // well inside the hold time
  EXPECT_EQ(WansOf(second.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  EXPECT_EQ(second.lost_wans, std::vector<std::string>{"a"});
  EXPECT_EQ(second.changed_classes.size(), kTrafficClassCount);
  EXPECT_EQ(second.path(TrafficClass::kAlert).since, kT0 + 10ms);
  EXPECT_FALSE(second.usable.at("a"));
}

TEST(PolicyEngineTest, LinkOrBearerLossMakesAWanUnusableWhateverItsHealth) {
  auto config = ThreeWans();
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  wans["a"].link_up = false;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kBulk)), std::vector<std::string>{"b"});
  wans["a"].link_up = true;
  wans["b"].bearer_up = false;
  auto third = PolicyEngine::Decide(config, wans, &second, kT0 + 2ms);
  // a is usable again but b died: leaving b is never held; a is the best.
  EXPECT_EQ(WansOf(third.path(TrafficClass::kBulk)), std::vector<std::string>{"a"});
  EXPECT_EQ(third.lost_wans, std::vector<std::string>{"b"});
}

TEST(PolicyEngineTest, FailbackWaitsForTheHoldTime) {
  auto config = ThreeWans();
  auto wans = AllUp();
  wans["a"].health.state = WanHealthState::kDown;
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  ASSERT_EQ(WansOf(first.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  wans["a"].health.state = WanHealthState::kUp;
  auto held = PolicyEngine::Decide(config, wans, &first, kT0 + 4999ms);
  EXPECT_EQ(WansOf(held.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  EXPECT_TRUE(held.changed_classes.empty());
  EXPECT_EQ(held.path(TrafficClass::kAlert).since, kT0);
  auto back = PolicyEngine::Decide(config, wans, &held, kT0 + 5000ms);
  EXPECT_EQ(WansOf(back.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  EXPECT_EQ(back.changed_classes.size(), kTrafficClassCount);
  EXPECT_TRUE(back.lost_wans.empty());
}

TEST(PolicyEngineTest, UnchangedInputsChangeNothing) {
  auto config = ThreeWans();
  auto first = PolicyEngine::Decide(config, AllUp(), nullptr, kT0);
  auto second = PolicyEngine::Decide(config, AllUp(), &first, kT0 + 1h);
  EXPECT_FALSE(second.changed());
  EXPECT_EQ(second.path(TrafficClass::kAlert).since, kT0);
}

TEST(PolicyEngineTest, BalanceUsesEveryWanOfTheBestTierWithItsWeight) {
  auto config = ThreeWans();
  config.classes[Index(TrafficClass::kBulk)].mode = PathMode::kBalance;
  auto wans = AllUp();
  auto decision = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(decision.path(TrafficClass::kBulk).wans,
            (std::vector<WeightedWan>{{"a", 1}, {"b", 3}, {"c", 2}}));
  wans["b"].health.state = WanHealthState::kDown;
  auto after = PolicyEngine::Decide(config, wans, &decision, kT0 + 1ms);
  EXPECT_EQ(after.path(TrafficClass::kBulk).wans, (std::vector<WeightedWan>{{"a", 1}, {"c", 2}}));
}

TEST(PolicyEngineTest, LowestLatencyMovesOnlyForAClearGain) {
  auto config = ThreeWans();
  config.latency_margin = 0.2;
  config.hold_time = 0ms;
  config.classes[Index(TrafficClass::kTelemetry)].mode = PathMode::kLowestLatency;
  std::map<std::string, WanFacts> wans = {{"a", Facts(WanHealthState::kUp, false, 50.0)},
                                          {"b", Facts(WanHealthState::kUp, false, 40.0)},
                                          {"c", Facts(WanHealthState::kUp, false, std::nullopt)}};
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(first.path(TrafficClass::kTelemetry)), std::vector<std::string>{"b"});
  wans["a"].health.rtt_ms = 35.0;  // 12.5 % faster than b: not enough
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1s);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kTelemetry)), std::vector<std::string>{"b"});
  wans["a"].health.rtt_ms = 30.0;  // 25 % faster
  auto third = PolicyEngine::Decide(config, wans, &second, kT0 + 2s);
  EXPECT_EQ(WansOf(third.path(TrafficClass::kTelemetry)), std::vector<std::string>{"a"});
}

TEST(PolicyEngineTest, PinnedWanWinsWhileUsable) {
  auto config = ThreeWans();
  config.classes[Index(TrafficClass::kManagement)].pinned_wan = "c";
  auto wans = AllUp();
  wans["c"] = Facts(WanHealthState::kUp, /*degraded=*/true);
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(first.path(TrafficClass::kManagement)), std::vector<std::string>{"c"});
  EXPECT_EQ(WansOf(first.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  wans["c"].health.state = WanHealthState::kDown;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kManagement)), std::vector<std::string>{"a"});
  EXPECT_EQ(second.changed_classes, std::vector<TrafficClass>{TrafficClass::kManagement});
}

TEST(PolicyEngineTest, NoUsableWanKeepsTheLastPath) {
  auto config = ThreeWans();
  auto wans = AllUp();
  wans["a"].health.state = WanHealthState::kDown;
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  for (auto& [name, facts] : wans) facts.health.state = WanHealthState::kDown;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  EXPECT_TRUE(second.changed_classes.empty());
  EXPECT_EQ(second.lost_wans, (std::vector<std::string>{"b", "c"}));
  // From nothing: the first by priority, so the actuators still have a table to point at.
  auto cold = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(cold.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
}

TEST(PolicyEngineTest, UnknownWansAreUsableButLastResort) {
  auto config = ThreeWans();
  std::map<std::string, WanFacts> wans = {{"a", Facts(WanHealthState::kUnknown)},
                                          {"b", Facts(WanHealthState::kUnknown)}};  // c: no facts
  auto decision = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(decision.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  EXPECT_FALSE(decision.usable.at("c"));
}

TEST(PolicyEngineTest, AnAdministrativelyDownWanIsLeftByEveryClassAtOnce) {
  auto config = ThreeWans();
  config.classes[Index(TrafficClass::kBulk)].mode = PathMode::kBalance;
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  ASSERT_EQ(WansOf(first.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  ASSERT_EQ(WansOf(first.path(TrafficClass::kBulk)), (std::vector<std::string>{"a", "b", "c"}));
  wans["a"].admin_up = false;
  EXPECT_EQ(PolicyEngine::Tier(wans["a"]), PolicyEngine::kUnusable);
  // Well inside the hold time: leaving an unusable Wan is never held.
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms);
  EXPECT_FALSE(second.usable.at("a"));
  EXPECT_EQ(second.lost_wans, std::vector<std::string>{"a"});
  for (auto traffic_class : kTrafficClasses) {
    for (const auto& wan : WansOf(second.path(traffic_class))) EXPECT_NE(wan, "a") << TrafficClassName(traffic_class);
  }
  EXPECT_EQ(WansOf(second.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  EXPECT_EQ(WansOf(second.path(TrafficClass::kBulk)), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(second.changed_classes.size(), kTrafficClassCount);
  // Back up: it is usable again, and failback waits for the hold time as for any recovery.
  wans["a"].admin_up = true;
  auto third = PolicyEngine::Decide(config, wans, &second, kT0 + 2ms);
  EXPECT_TRUE(third.usable.at("a"));
  EXPECT_EQ(WansOf(third.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  auto fourth = PolicyEngine::Decide(config, wans, &third, kT0 + 1ms + 5s);
  EXPECT_EQ(WansOf(fourth.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
}

TEST(PolicyEngineTest, WithNoUsableWanAnAdministrativelyDownOneIsNeitherKeptNorChosen) {
  auto config = ThreeWans();
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  ASSERT_EQ(WansOf(first.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  wans["b"].health.state = WanHealthState::kDown;
  wans["c"].health.state = WanHealthState::kDown;
  wans["a"].admin_up = false;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  // Cold, too.
  auto cold = PolicyEngine::Decide(config, wans, nullptr, kT0);
  EXPECT_EQ(WansOf(cold.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
}

TEST(PolicyEngineTest, AnOperatorPinOverridesHoldAndPreferenceWhileItsWanIsUsable) {
  auto config = ThreeWans();
  config.classes[Index(TrafficClass::kBulk)].mode = PathMode::kBalance;
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  ClassPins pins = {{TrafficClass::kManagement, "c"}, {TrafficClass::kBulk, "b"}};
  // Inside the hold time, and c is the worst by priority: the pin wins at once.
  auto pinned = PolicyEngine::Decide(config, wans, &first, kT0 + 1ms, pins);
  EXPECT_EQ(WansOf(pinned.path(TrafficClass::kManagement)), std::vector<std::string>{"c"});
  EXPECT_TRUE(pinned.path(TrafficClass::kManagement).operator_pinned);
  EXPECT_EQ(WansOf(pinned.path(TrafficClass::kBulk)), std::vector<std::string>{"b"});  // one Wan, not a balance
  EXPECT_EQ(WansOf(pinned.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  EXPECT_FALSE(pinned.path(TrafficClass::kAlert).operator_pinned);
  EXPECT_EQ(pinned.changed_classes, (std::vector<TrafficClass>{TrafficClass::kManagement, TrafficClass::kBulk}));
  // Its Wan unusable: normal selection, and the pin is not in force.
  wans["c"].health.state = WanHealthState::kDown;
  auto fallen = PolicyEngine::Decide(config, wans, &pinned, kT0 + 2ms, pins);
  EXPECT_EQ(WansOf(fallen.path(TrafficClass::kManagement)), std::vector<std::string>{"a"});
  EXPECT_FALSE(fallen.path(TrafficClass::kManagement).operator_pinned);
  // Usable again: back at once, hold or not.
  wans["c"].health.state = WanHealthState::kUp;
  auto back = PolicyEngine::Decide(config, wans, &fallen, kT0 + 3ms, pins);
  EXPECT_EQ(WansOf(back.path(TrafficClass::kManagement)), std::vector<std::string>{"c"});
  EXPECT_TRUE(back.path(TrafficClass::kManagement).operator_pinned);
  // An administratively-down Wan is no exception: the pin is inactive.
  wans["c"].admin_up = false;
  auto down = PolicyEngine::Decide(config, wans, &back, kT0 + 4ms, pins);
  EXPECT_EQ(WansOf(down.path(TrafficClass::kManagement)), std::vector<std::string>{"a"});
  EXPECT_FALSE(down.path(TrafficClass::kManagement).operator_pinned);
  wans["c"].admin_up = true;
  auto up = PolicyEngine::Decide(config, wans, &down, kT0 + 5ms, pins);
  ASSERT_TRUE(up.path(TrafficClass::kManagement).operator_pinned);
  // The pin ends (unpinned or expired): normal selection at once, not held on the old pin.
  pins.erase(TrafficClass::kManagement);
  auto ended = PolicyEngine::Decide(config, wans, &up, kT0 + 6ms, pins);
  EXPECT_EQ(WansOf(ended.path(TrafficClass::kManagement)), std::vector<std::string>{"a"});
  EXPECT_EQ(ended.changed_classes, std::vector<TrafficClass>{TrafficClass::kManagement});
  // A pin to a Wan that is not configured pins nothing.
  auto unknown = PolicyEngine::Decide(config, wans, &ended, kT0 + 7ms, {{TrafficClass::kAlert, "zz"}});
  EXPECT_EQ(WansOf(unknown.path(TrafficClass::kAlert)), std::vector<std::string>{"a"});
  EXPECT_FALSE(unknown.path(TrafficClass::kAlert).operator_pinned);
}

TEST(PolicyEngineTest, APinToTheWanAClassAlreadyRidesChangesNothing) {
  auto config = ThreeWans();
  auto wans = AllUp();
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  auto pinned = PolicyEngine::Decide(config, wans, &first, kT0 + 10s, {{TrafficClass::kAlert, "a"}});
  EXPECT_TRUE(pinned.path(TrafficClass::kAlert).operator_pinned);
  EXPECT_EQ(pinned.path(TrafficClass::kAlert).since, first.path(TrafficClass::kAlert).since);
  EXPECT_TRUE(pinned.changed_classes.empty());
}

// The alternating-flap case: b carried traffic while a was down; a's probes pass again but its
// hold keeps it Down; then b dies. a must carry traffic at once, not after its hold.
TEST(PolicyEngineTest, AHeldDownWanThatAnswersCarriesTrafficWhenNoOtherWanIsUsable) {
  auto config = ThreeWans();
  config.wans.pop_back();  // a and b
  std::map<std::string, WanFacts> wans = {{"a", Facts(WanHealthState::kDown)}, {"b", Facts(WanHealthState::kUp)}};
  auto first = PolicyEngine::Decide(config, wans, nullptr, kT0);
  ASSERT_EQ(WansOf(first.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  // a answers again, held: b is better, so traffic stays off a.
  wans["a"].health.answering = true;
  auto second = PolicyEngine::Decide(config, wans, &first, kT0 + 10s);
  EXPECT_EQ(WansOf(second.path(TrafficClass::kAlert)), std::vector<std::string>{"b"});
  EXPECT_TRUE(second.changed_classes.empty());
  // b dies: a carries everything now, within b's class hold.
  wans["b"].health.state = WanHealthState::kDown;
  auto third = PolicyEngine::Decide(config, wans, &second, kT0 + 10s + 100ms);
  for (auto traffic_class : kTrafficClasses) {
    EXPECT_EQ(WansOf(third.path(traffic_class)), std::vector<std::string>{"a"}) << TrafficClassName(traffic_class);
  }
  EXPECT_EQ(third.lost_wans, std::vector<std::string>{"b"});
  EXPECT_TRUE(third.usable.at("a"));
  // a's hold ends (Up): same Wan, nothing moves.
  wans["a"].health.state = WanHealthState::kUp;
  wans["a"].health.answering = false;
  auto fourth = PolicyEngine::Decide(config, wans, &third, kT0 + 12s);
  EXPECT_TRUE(fourth.changed_classes.empty());
  // A Down Wan that does not answer stays unusable whatever else happens.
  wans["a"].health.state = WanHealthState::kDown;
  EXPECT_EQ(PolicyEngine::Tier(wans["a"]), PolicyEngine::kUnusable);
  wans["a"].health.answering = true;
  wans["a"].link_up = false;
  EXPECT_EQ(PolicyEngine::Tier(wans["a"]), PolicyEngine::kUnusable);
}

// ---- the invariant fuzzer ----

TEST(PolicyEngineFuzzTest, InvariantsHoldOverRandomHealthSequences) {
  std::mt19937_64 random(20261121);
  // The operator's inputs (administrative state, pins) from a generator of their own.
  std::mt19937_64 operator_random(20261202);
  size_t admin_down_decisions = 0;
  size_t pins_in_force = 0;
  size_t pins_inactive = 0;
  const std::array<WanHealthState, 4> states = {WanHealthState::kUnknown, WanHealthState::kUp,
                                                WanHealthState::kSuspect, WanHealthState::kDown};
  size_t decisions = 0;
  size_t switches = 0;
  size_t escapes = 0;
  size_t carried_by_answering = 0;
  size_t last_resort = 0;  // decisions where only held-down answering Wans could carry traffic
  for (int sequence = 0; sequence < 2000; ++sequence) {
    PolicyConfig config;
    size_t wan_count = 1 + random() % 4;
    for (size_t i = 0; i < wan_count; ++i) {
      config.wans.push_back(Wan("w" + std::to_string(i), static_cast<uint32_t>(random() % 4),
                                static_cast<uint32_t>(1 + random() % 5)));
    }
    config.hold_time = std::chrono::milliseconds(random() % 3000);
    config.latency_margin = (random() % 50) / 100.0;
    for (auto& policy : config.classes) {
      policy.mode = static_cast<PathMode>(random() % 3);
      if (random() % 4 == 0) policy.pinned_wan = config.wans[random() % wan_count].name;
    }
    std::map<std::string, WanFacts> wans;
    for (const auto& wan : config.wans) wans[wan.name] = Facts(WanHealthState::kUnknown);
    std::optional<Decision> previous;
    SteadyTime now = kT0;
    ClassPins pins;
    for (int step = 0; step < 60; ++step) {
      // Now and then the operator takes a Wan down or up, or pins or unpins a class.
      switch (operator_random() % 8) {
        case 0: {
          auto& facts = wans[config.wans[operator_random() % wan_count].name];
          facts.admin_up = !facts.admin_up;
          break;
        }
        case 1:
          pins[kTrafficClasses[operator_random() % kTrafficClassCount]] = config.wans[operator_random() % wan_count].name;
          break;
        case 2: pins.erase(kTrafficClasses[operator_random() % kTrafficClassCount]); break;
        default: break;
      }
      // Change one or two Wans a little: health, degraded, link, bearer, RTT.
      for (int change = 0; change < 1 + static_cast<int>(random() % 2); ++change) {
        auto& facts = wans[config.wans[random() % wan_count].name];
        switch (random() % 6) {
          case 0:
          case 1: facts.health.state = states[random() % states.size()]; break;
          case 5: facts.health.answering = !facts.health.answering; break;
          case 2: facts.health.degraded = !facts.health.degraded; break;
          case 3: (random() % 2 ? facts.link_up : facts.bearer_up) = random() % 3 != 0; break;
          case 4: facts.health.rtt_ms = 5.0 + static_cast<double>(random() % 200); break;
        }
      }
      now += std::chrono::milliseconds(random() % 1500);
      Decision decision = PolicyEngine::Decide(config, wans, previous ? &*previous : nullptr, now, pins);
      ++decisions;

      bool any_usable = false;
      bool any_admin_up = false;
      bool any_admin_down = false;
      for (const auto& [name, facts] : wans) {
        any_usable |= PolicyEngine::Tier(facts) != PolicyEngine::kUnusable;
        any_admin_up |= facts.admin_up;
        any_admin_down |= !facts.admin_up;
      }
      admin_down_decisions += any_admin_down;
      // A Wan that answers (administratively up, link and bearer up, and not Down, or Down only
      // because a hold keeps it there while its probes pass), judged from the facts alone, not
      // from Tier().
      auto answers = [&](const std::string& name) {
        const WanFacts& facts = wans.at(name);
        return facts.admin_up && facts.link_up && facts.bearer_up &&
               (facts.health.state != WanHealthState::kDown || facts.health.answering);
      };
      bool any_answering = false;
      for (const auto& wan : config.wans) any_answering |= answers(wan.name);
      for (auto traffic_class : kTrafficClasses) {
        const ClassPath& path = decision.path(traffic_class);
        ASSERT_FALSE(path.wans.empty()) << "sequence " << sequence << " step " << step;
        // 1. Never a path through an unusable (Down, link or bearer lost) Wan while a usable one exists.
        if (any_usable) {
          for (const auto& wan : path.wans) {
            ASSERT_NE(PolicyEngine::Tier(wans[wan.wan]), PolicyEngine::kUnusable)
                << "sequence " << sequence << " step " << step << " class " << TrafficClassName(traffic_class)
                << " through " << wan.wan;
          }
        }
        // 1d. Never stranded: while any Wan answers, every class has one on its path, at once
        // (no hold keeps a class on Wans that do not answer).
        if (any_answering) {
          bool carried = std::any_of(path.wans.begin(), path.wans.end(),
                                     [&](const WeightedWan& wan) { return answers(wan.wan); });
          ASSERT_TRUE(carried) << "sequence " << sequence << " step " << step << " class "
                               << TrafficClassName(traffic_class) << " stranded on " << path.wans.front().wan;
          ++carried_by_answering;
        }
        // 1b. Never a path through an administratively-down Wan while another is administratively
        // up, usable or not.
        if (any_admin_up) {
          for (const auto& wan : path.wans) {
            ASSERT_TRUE(wans[wan.wan].admin_up) << "sequence " << sequence << " step " << step << " class "
                                                << TrafficClassName(traffic_class) << " through " << wan.wan;
          }
        }
        // 1c. An operator's pin is honoured exactly while its Wan is usable.
        if (auto pin = pins.find(traffic_class); pin != pins.end()) {
          bool in_force = PolicyEngine::Tier(wans[pin->second]) != PolicyEngine::kUnusable;
          ASSERT_EQ(path.operator_pinned, in_force) << "sequence " << sequence << " step " << step;
          if (in_force) {
            ASSERT_EQ(WansOf(path), std::vector<std::string>{pin->second});
          }
          pins_in_force += in_force;
          pins_inactive += !in_force;
        } else {
          ASSERT_FALSE(path.operator_pinned);
        }
        // 2. Balance weights are the configured ones; the other modes use one Wan.
        for (const auto& wan : path.wans) ASSERT_EQ(wan.weight, config.FindWan(wan.wan)->weight);
        if (config.classes[Index(traffic_class)].mode != PathMode::kBalance || any_usable == false) {
          ASSERT_LE(path.wans.size(), config.classes[Index(traffic_class)].mode == PathMode::kBalance ? wan_count : 1u);
        }
        if (config.classes[Index(traffic_class)].mode == PathMode::kBalance && any_usable &&
            config.classes[Index(traffic_class)].pinned_wan.empty() && !path.operator_pinned) {
          // Every member shares the best tier among usable Wans, unless held on an older set.
          int best = PolicyEngine::kUnusable;
          for (const auto& [name, facts] : wans) best = std::min(best, PolicyEngine::Tier(facts));
          if (path.since == now) {
            for (const auto& wan : path.wans) ASSERT_EQ(PolicyEngine::Tier(wans[wan.wan]), best);
          }
        }
        // 3. No switch faster than the hold time, except away from an unusable Wan, onto an
        // operator's pin or off one.
        if (previous) {
          const ClassPath& before = previous->path(traffic_class);
          bool moved = WansOf(before) != WansOf(path);
          if (moved) {
            ++switches;
            bool escaped = false;
            for (const auto& wan : before.wans) escaped |= !decision.usable.at(wan.wan);
            escapes += escaped;
            bool operator_move = before.operator_pinned || path.operator_pinned;
            ASSERT_TRUE(escaped || operator_move || now - before.since >= config.hold_time)
                << "sequence " << sequence << " step " << step << " class " << TrafficClassName(traffic_class)
                << " moved after " << std::chrono::duration_cast<std::chrono::milliseconds>(now - before.since).count()
                << " ms";
            ASSERT_EQ(path.since, now);
            ASSERT_NE(std::find(decision.changed_classes.begin(), decision.changed_classes.end(), traffic_class),
                      decision.changed_classes.end());
          } else {
            ASSERT_EQ(std::find(decision.changed_classes.begin(), decision.changed_classes.end(), traffic_class),
                      decision.changed_classes.end());
          }
        }
      }
      {
        int best = PolicyEngine::kUnusable;
        for (const auto& [name, facts] : wans) best = std::min(best, PolicyEngine::Tier(facts));
        last_resort += best == PolicyEngine::kLastResort;
      }
      // 4. Lost Wans are exactly those usable before and not now.
      if (previous) {
        for (const auto& wan : config.wans) {
          bool lost = previous->usable.at(wan.name) && !decision.usable.at(wan.name);
          bool reported = std::find(decision.lost_wans.begin(), decision.lost_wans.end(), wan.name) !=
                          decision.lost_wans.end();
          ASSERT_EQ(lost, reported);
        }
      }
      previous = decision;
    }
  }
  // The sequences must actually exercise the rules, or the test proves nothing.
  EXPECT_EQ(decisions, 2000u * 60u);
  EXPECT_GT(switches, 10000u);
  EXPECT_GT(escapes, 3000u);
  EXPECT_GT(admin_down_decisions, 30000u);
  EXPECT_GT(pins_in_force, 20000u);
  EXPECT_GT(pins_inactive, 5000u);
  EXPECT_GT(carried_by_answering, 100000u);
  EXPECT_GT(last_resort, 1000u);
  std::printf("fuzz: %zu decisions, %zu switches, %zu escapes, %zu last-resort decisions\n", decisions, switches,
              escapes, last_resort);
}

}  // namespace
}  // namespace uplinkd::policy
