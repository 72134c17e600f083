// The operator actions of the modem layer (ModemFleet::Resume, Reconnect, Reset) against the fake
// ModemManager, a fake kernel and a fake clock: what each does, and that each refusal names why
// and changes nothing (no call to ModemManager, no state change, no event).
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"
#include "modem/fake_modem_manager.h"
#include "modem/modem_fleet.h"
#include "net/fake_routing_edge.h"

namespace uplinkd::modem {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }
net::IpPrefix Prefix(const char* text) { return *net::IpPrefix::Parse(text); }

class ModemFleetOperatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-fleet-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    kernel_.AddLink("wwan0");
    kernel_.AddLink("wwan1");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteSecret(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content << "\n";
    ::chmod(path.c_str(), 0600);
    return path;
  }

  static ModemProfile Profile(const std::string& name, const std::string& imei) {
    ModemProfile profile;
    profile.name = name;
    profile.match = {ModemMatchKind::kImei, imei};
    profile.apn.apn = "internet";
    profile.recovery.backoff_initial = milliseconds(1000);
    profile.recovery.backoff_max = milliseconds(8000);
    profile.recovery.backoff_multiplier = 2.0;
    profile.recovery.backoff_jitter = 0.2;
    profile.recovery.attempts_before_escalation = 3;
    profile.recovery.escalation_window = std::chrono::minutes(10);
    profile.recovery.call_timeout = seconds(20);
    profile.recovery.connect_timeout = seconds(60);
    profile.recovery.registration_timeout = seconds(90);
    return profile;
  }

  static FakeModemManager::ModemSpec Spec(const std::string& id, const std::string& imei, const std::string& interface,
                                          const char* address, const char* gateway) {
    FakeModemManager::ModemSpec spec;
    spec.id = id;
    spec.imei = imei;
    spec.device = "/sys/devices/fake/usb1/" + id;
    spec.iccid = "8901000000000000" + imei.substr(imei.size() - 3);
    spec.interface = interface;
    spec.ipv4 = BearerIpConfig{Prefix(address), Ip(gateway), {Ip(gateway)}, 1430};
    return spec;
  }
  FakeModemManager::ModemSpec Spec1() { return Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"); }
  FakeModemManager::ModemSpec Spec2() { return Spec("m2", "860000000000022", "wwan1", "100.64.2.2/30", "100.64.2.1"); }

  void StartFleet(std::vector<ModemProfile> profiles) {
    ModemSupervisor::Dependencies dependencies;
    dependencies.edge = &mm_;
    dependencies.scheduler = &scheduler_;
    dependencies.routing = &kernel_;
    dependencies.uniform01 = [] { return 0.5; };  // jitter factor exactly 1
    fleet_ = std::make_unique<ModemFleet>(
        std::move(profiles), dependencies, [this](const ModemWanState& state) { published_.push_back(state); },
        [this](const ModemEvent& event) { events_.push_back(event); });
    fleet_->Start();
    Settle();
  }
  void StartBoth() {
    mm_.AddModem(Spec1());
    mm_.AddModem(Spec2());
    StartFleet({Profile("modem1", "860000000000011"), Profile("modem2", "860000000000022")});
  }

  void Settle() { scheduler_.AdvanceBy(milliseconds(0)); }
  void Advance(milliseconds delta) { scheduler_.AdvanceBy(delta); }
  const ModemWanState& State(const std::string& name) { return fleet_->Find(name)->state(); }

  int CountEvents(const std::string& name, ModemEventKind kind) {
    int count = 0;
    for (const auto& event : events_) count += event.name == name && event.kind == kind;
    return count;
  }

  // A refused action: the named error, and nothing changed (state, events, calls to the modem).
  void ExpectRefused(Result<void> (ModemFleet::*action)(const std::string&), const std::string& name,
                     ErrorCode code, const std::string& words) {
    std::optional<ModemWanState> before;
    if (fleet_->Find(name)) before = State(name);
    size_t events = events_.size();
    size_t published = published_.size();
    auto calls = [&] {
      return std::vector<uint32_t>{mm_.connect_calls("m1"), mm_.enable_calls("m1", true), mm_.enable_calls("m1", false),
                                   mm_.reset_calls("m1"), mm_.pin_attempts("m1")};
    };
    auto calls_before = calls();
    Result<void> result = ((*fleet_).*action)(name);
    ASSERT_FALSE(result) << name;
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    Settle();
    EXPECT_EQ(events_.size(), events);
    EXPECT_EQ(published_.size(), published);
    if (before) {
      EXPECT_EQ(State(name), *before);
    }
    EXPECT_EQ(calls(), calls_before);
  }

  FakeScheduler scheduler_;
  FakeModemManager mm_{scheduler_};
  net::FakeRoutingEdge kernel_;
  std::unique_ptr<ModemFleet> fleet_;
  std::vector<ModemWanState> published_;
  std::vector<ModemEvent> events_;
  std::string dir_;
};

// ---- resume ----

TEST_F(ModemFleetOperatorTest, ResumeIsRefusedWhileThePinFileHoldsTheRejectedPinAndReleasesTheModemAfter) {
  auto spec = Spec1();
  spec.pin = "1234";
  mm_.AddModem(spec);
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "0000");
  StartFleet({profile});
  ASSERT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  ASSERT_EQ(mm_.pin_attempts("m1"), 1u);

  ExpectRefused(&ModemFleet::Resume, "modem1", ErrorCode::kRejected, "still holds the PIN the SIM rejected");
  Advance(std::chrono::hours(1));
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);

  WriteSecret("pin", "1234");
  ASSERT_TRUE(fleet_->Resume("modem1"));
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kOperatorResume), 1);
  Settle();
  EXPECT_EQ(mm_.pin_attempts("m1"), 2u);
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConnected);
}

TEST_F(ModemFleetOperatorTest, ResumeIsRefusedWhenNothingWaitsForAnOperator) {
  StartBoth();
  ASSERT_TRUE(State("modem1").wan_up);
  ExpectRefused(&ModemFleet::Resume, "modem1", ErrorCode::kRejected, "not waiting for an operator");
  ExpectRefused(&ModemFleet::Resume, "modem9", ErrorCode::kNotFound, "\"modem9\"");
  // A name from outside is escaped in the message.
  auto odd = fleet_->Resume("cell\n\x1b[31m");
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().message.find('\n'), std::string::npos) << odd.error().message;
  EXPECT_EQ(odd.error().message.find('\x1b'), std::string::npos) << odd.error().message;
}

TEST_F(ModemFleetOperatorTest, ResumeOfAMissingSimSaysItGoesOnByItself) {
  mm_.AddModem(Spec1());
  mm_.RemoveSim("m1");
  StartFleet({Profile("modem1", "860000000000011")});
  ASSERT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  ExpectRefused(&ModemFleet::Resume, "modem1", ErrorCode::kRejected, "SIM missing: nothing to resume");
}

TEST_F(ModemFleetOperatorTest, EveryActionIsRefusedForAnAbsentModem) {
  mm_.AddModem(Spec1());
  StartFleet({Profile("modem1", "860000000000011"), Profile("modem2", "860000000000022")});  // no m2
  ASSERT_EQ(State("modem2").phase, SupervisorPhase::kAbsent);
  ExpectRefused(&ModemFleet::Resume, "modem2", ErrorCode::kUnavailable, "absent");
  ExpectRefused(&ModemFleet::Reconnect, "modem2", ErrorCode::kUnavailable, "absent");
  ExpectRefused(&ModemFleet::Reset, "modem2", ErrorCode::kUnavailable, "absent");
  ExpectRefused(&ModemFleet::Reconnect, "nosuch", ErrorCode::kNotFound, "no [[modem]] named");
  ExpectRefused(&ModemFleet::Reset, "nosuch", ErrorCode::kNotFound, "no [[modem]] named");
  EXPECT_TRUE(State("modem1").wan_up);
}

// ---- reconnect ----

TEST_F(ModemFleetOperatorTest, ReconnectDropsTheBearerAtOnceAndConnectsAgainWithoutCountingAFailure) {
  StartBoth();
  ASSERT_TRUE(State("modem1").wan_up);
  ASSERT_EQ(mm_.connect_calls("m1"), 1u);
  events_.clear();

  ASSERT_TRUE(fleet_->Reconnect("modem1"));
  // The Wan is published down before anything else happens (the policy fails over on it).
  EXPECT_FALSE(State("modem1").wan_up);
  ASSERT_FALSE(published_.empty());
  EXPECT_FALSE(published_.back().wan_up);
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, ModemEventKind::kOperatorReconnect);
  EXPECT_EQ(events_[1].kind, ModemEventKind::kWanDown);

  Settle();
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
  EXPECT_EQ(mm_.connect_calls("m1"), 2u);
  const ModemCounters& counters = State("modem1").counters;
  EXPECT_EQ(counters.bearer_drops, 0u);
  EXPECT_EQ(counters.connect_failures, 0u);
  EXPECT_EQ(counters.reconnects, 1u);
  EXPECT_TRUE(State("modem1").last_error.empty());
  // The old bearer was disconnected, the new one is the Wan.
  int connected = 0;
  for (const auto& bearer : mm_.Info("m1")->bearers) connected += bearer.connected;
  EXPECT_EQ(connected, 1);
  EXPECT_TRUE(State("modem2").wan_up);
  EXPECT_EQ(mm_.connect_calls("m2"), 1u);
}

TEST_F(ModemFleetOperatorTest, ReconnectCutsABackOffShortAndStartsEscalationAfresh) {
  mm_.AddModem(Spec1());
  mm_.RefuseConnect("m1", "org.freedesktop.ModemManager1.Error.Core.Failed", "modem firmware confused");
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(milliseconds(1000));  // failure 2; the next attempt is 2 s away, failure 3 would cycle
  ASSERT_EQ(mm_.connect_calls("m1"), 2u);
  ASSERT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);

  ASSERT_TRUE(fleet_->Reconnect("modem1"));
  Settle();
  EXPECT_EQ(mm_.connect_calls("m1"), 3u);          // at once, not after the back-off
  EXPECT_EQ(mm_.enable_calls("m1", false), 0u);    // and no escalation: the count started afresh
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  Advance(milliseconds(999));
  EXPECT_EQ(mm_.connect_calls("m1"), 3u);
  Advance(milliseconds(1));                        // the first back-off step again
  EXPECT_EQ(mm_.connect_calls("m1"), 4u);

  mm_.RefuseConnect("m1", "", "");
  Advance(milliseconds(2000));
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
}

TEST_F(ModemFleetOperatorTest, ReconnectIsRefusedWhileACallIsUnderWayOrTheModemWaitsForAnOperator) {
  mm_.AddModem(Spec1());
  auto locked = Spec2();
  locked.pin = "1234";
  mm_.AddModem(locked);
  mm_.SetConnectDelay("m1", milliseconds(500));
  StartFleet({Profile("modem1", "860000000000011"), Profile("modem2", "860000000000022")});  // modem2: no pin_file
  ASSERT_EQ(State("modem1").phase, SupervisorPhase::kConnecting);
  ExpectRefused(&ModemFleet::Reconnect, "modem1", ErrorCode::kUnavailable, "a connect call is under way");
  ExpectRefused(&ModemFleet::Reset, "modem1", ErrorCode::kUnavailable, "a connect call is under way");
  Advance(milliseconds(500));
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);

  ASSERT_EQ(State("modem2").phase, SupervisorPhase::kNeedsOperator);
  ExpectRefused(&ModemFleet::Reconnect, "modem2", ErrorCode::kRejected, "waits for an operator");
}

// ---- reset ----

TEST_F(ModemFleetOperatorTest, ResetGoesThroughModemManagerAndTheModemIsBoundAgainAtItsNewPath) {
  mm_.SetResetDowntime(seconds(3));
  StartBoth();
  ASSERT_TRUE(State("modem1").wan_up);
  std::string old_path = mm_.PathOf("m1");
  events_.clear();

  ASSERT_TRUE(fleet_->Reset("modem1"));
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kResetting);
  ASSERT_GE(events_.size(), 2u);
  EXPECT_EQ(events_[0].kind, ModemEventKind::kOperatorReset);
  EXPECT_EQ(events_[1].kind, ModemEventKind::kWanDown);
  Settle();
  EXPECT_EQ(mm_.reset_calls("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kResetting);
  // A second one while the first is under way is refused.
  ExpectRefused(&ModemFleet::Reset, "modem1", ErrorCode::kUnavailable, "resetting");
  ExpectRefused(&ModemFleet::Reconnect, "modem1", ErrorCode::kUnavailable, "resetting");

  Advance(seconds(3));
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
  EXPECT_NE(mm_.PathOf("m1"), old_path);
  EXPECT_EQ(fleet_->Find("modem1")->bound_path(), mm_.PathOf("m1"));
  const ModemCounters& counters = State("modem1").counters;
  EXPECT_EQ(counters.readoptions, 1u);
  EXPECT_EQ(counters.resets, 0u);  // not an escalation
  EXPECT_EQ(counters.bearer_drops, 0u);
  EXPECT_EQ(counters.connect_failures, 0u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kEscalatedReset), 0);
  EXPECT_EQ(mm_.reset_calls("m2"), 0u);
  EXPECT_TRUE(State("modem2").wan_up);
}

TEST_F(ModemFleetOperatorTest, AModemStoppedForAnOperatorMayBeResetAndStaysStoppedForIt) {
  auto spec = Spec1();
  spec.pin = "1234";
  mm_.AddModem(spec);
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "0000");
  StartFleet({profile});
  ASSERT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  ASSERT_TRUE(fleet_->Reset("modem1"));
  Settle();
  EXPECT_EQ(mm_.reset_calls("m1"), 1u);
  Advance(seconds(30));
  // Back, locked again: the rejected PIN is still not sent.
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
}

}  // namespace
}  // namespace uplinkd::modem
