// The modem layer's state machine against the fake ModemManager, a fake kernel and a fake clock:
// the fleet and its supervisors exactly as the daemon wires them, only the edges are fakes.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"
#include "net/fake_routing_edge.h"
#include "modem/fake_bearer_ip_client_launcher.h"
#include "modem/fake_modem_manager.h"
#include "modem/modem_fleet.h"

namespace uplinkd::modem {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kMe = "org.freedesktop.ModemManager1.Error.MobileEquipment.";

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }
net::IpPrefix Prefix(const char* text) { return *net::IpPrefix::Parse(text); }

struct Published {
  SteadyTime at;
  ModemWanState state;
};

class ModemLayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-modem-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    wwan0_ = kernel_.AddLink("wwan0");
    wwan1_ = kernel_.AddLink("wwan1");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteSecret(const std::string& name, const std::string& content, mode_t mode = 0600) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content << "\n";
    ::chmod(path.c_str(), mode);
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
    profile.signal_refresh_rate = seconds(10);
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

  void AddTwoModems() {
    mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
    mm_.AddModem(Spec("m2", "860000000000022", "wwan1", "100.64.2.2/30", "100.64.2.1"));
  }

  void StartFleet(std::vector<ModemProfile> profiles) {
    ModemSupervisor::Dependencies dependencies;
    dependencies.edge = &mm_;
    dependencies.scheduler = &scheduler_;
    dependencies.routing = &kernel_;
    dependencies.uniform01 = [this] { return uniform_; };
    if (use_ip_clients_) dependencies.ip_clients = &ip_clients_;
    fleet_ = std::make_unique<ModemFleet>(
        std::move(profiles), dependencies,
        [this](const ModemWanState& state) { published_.push_back({scheduler_.Now(), state}); },
        [this](const ModemEvent& event) { events_.push_back(event); });
    fleet_->Start();
    Settle();
  }
  void StartBoth() { StartFleet({Profile("modem1", "860000000000011"), Profile("modem2", "860000000000022")}); }

  // Delivers every answer and signal that is due now (they cascade at zero delay).
  void Settle() { scheduler_.AdvanceBy(milliseconds(0)); }
  void Advance(milliseconds delta) { scheduler_.AdvanceBy(delta); }

  const ModemWanState& State(const std::string& name) { return fleet_->Find(name)->state(); }
  ModemSupervisor& Supervisor(const std::string& name) { return *fleet_->Find(name); }

  std::vector<net::IpPrefix> AddressesOn(int link) {
    std::vector<net::IpPrefix> prefixes;
    auto addresses = kernel_.ListAddresses(link);
    EXPECT_TRUE(addresses);
    if (addresses) {
      for (const auto& address : *addresses) prefixes.push_back(address.prefix);
    }
    return prefixes;
  }

  int CountEvents(const std::string& name, ModemEventKind kind) {
    int count = 0;
    for (const auto& event : events_) count += event.name == name && event.kind == kind;
    return count;
  }

  // Phases `name` went through, consecutive repeats folded.
  std::vector<SupervisorPhase> Phases(const std::string& name) {
    std::vector<SupervisorPhase> phases;
    for (const auto& entry : published_) {
      if (entry.state.name != name) continue;
      if (phases.empty() || phases.back() != entry.state.phase) phases.push_back(entry.state.phase);
    }
    return phases;
  }

  FakeScheduler scheduler_;
  FakeModemManager mm_{scheduler_};
  net::FakeRoutingEdge kernel_;
  double uniform_ = 0.5;  // jitter factor exactly 1: back-off delays are the nominal ones
  FakeBearerIpClientLauncher ip_clients_{scheduler_};
  bool use_ip_clients_ = false;
  std::unique_ptr<ModemFleet> fleet_;
  std::vector<Published> published_;
  std::vector<ModemEvent> events_;
  std::string dir_;
  int wwan0_ = 0;
  int wwan1_ = 0;
};

TEST_F(ModemLayerTest, BothModemsConnectAndTheirStaticConfigIsApplied) {
  AddTwoModems();
  StartBoth();

  for (const char* name : {"modem1", "modem2"}) {
    const ModemWanState& state = State(name);
    EXPECT_TRUE(state.wan_up) << name << ": " << state.last_error;
    EXPECT_EQ(state.phase, SupervisorPhase::kConnected) << name;
    EXPECT_TRUE(state.bearer_connected);
    EXPECT_EQ(state.modem_state, ModemState::kConnected);
    EXPECT_EQ(state.registration, RegistrationState::kHome);
    EXPECT_EQ(state.operator_code, "00101");
    EXPECT_EQ(state.access_technology, AccessTechnology::kLte);
    EXPECT_EQ(CountEvents(name, ModemEventKind::kWanUp), 1);
  }
  const ModemWanState& one = State("modem1");
  EXPECT_EQ(one.interface, "wwan0");
  ASSERT_TRUE(one.ipv4);
  EXPECT_EQ(one.ipv4->address, Prefix("100.64.1.2/30"));
  EXPECT_EQ(one.ipv4->gateway, Ip("100.64.1.1"));
  EXPECT_EQ(one.dns, std::vector<net::IpAddress>{Ip("100.64.1.1")});
  EXPECT_EQ(one.imei, "860000000000011");

  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.1.2/30")});
  EXPECT_EQ(AddressesOn(wwan1_), std::vector<net::IpPrefix>{Prefix("100.64.2.2/30")});
  auto link = kernel_.GetLink("wwan0");
  EXPECT_TRUE(link->admin_up);
  EXPECT_EQ(link->mtu, 1430u);
  // No routes: those belong to the policy layer.
  EXPECT_TRUE(kernel_.ListRoutes(254, net::IpFamily::kV4)->empty());
  EXPECT_EQ(mm_.signal_setup_rate("m1"), 10u);
}

TEST_F(ModemLayerTest, GoesThroughEveryPhaseInOrder) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  mm_.Register("m1", RegistrationState::kSearching);
  mm_.SetEnableDelay("m1", milliseconds(200));
  mm_.SetConnectDelay("m1", milliseconds(300));
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(milliseconds(500));
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kWaitingForRegistration);
  mm_.Register("m1", RegistrationState::kHome);
  Settle();
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConnecting);
  Advance(milliseconds(300));
  EXPECT_EQ(Phases("modem1"),
            (std::vector<SupervisorPhase>{SupervisorPhase::kAbsent, SupervisorPhase::kEnabling,
                                          SupervisorPhase::kWaitingForRegistration, SupervisorPhase::kConnecting,
                                          SupervisorPhase::kConnected}));
}

TEST_F(ModemLayerTest, ABearerDropMarksTheWanDownAtOnceAndReconnectsAfterTheBackOff) {
  AddTwoModems();
  StartBoth();
  ASSERT_TRUE(State("modem1").wan_up);
  size_t before = published_.size();
  SteadyTime dropped_at = scheduler_.Now();
  uint32_t connects = mm_.connect_calls("m1");

  mm_.DropBearer("m1", std::string(kMe) + "NetworkFailureActivation", "network dropped the PDP context");
  Settle();

  // The very first publication after the drop says the Wan is down, at the drop's instant.
  ASSERT_GT(published_.size(), before);
  const Published& first = published_[before];
  EXPECT_EQ(first.state.name, "modem1");
  EXPECT_FALSE(first.state.wan_up);
  EXPECT_EQ(first.at, dropped_at);
  EXPECT_NE(first.state.last_error.find("NetworkFailureActivation"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 1u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kWanDown), 1);
  EXPECT_TRUE(AddressesOn(wwan0_).empty());  // what it put on the link is gone with the bearer
  EXPECT_TRUE(State("modem2").wan_up);       // the other modem is untouched

  Advance(milliseconds(999));
  EXPECT_EQ(mm_.connect_calls("m1"), connects);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  Advance(milliseconds(1));
  EXPECT_EQ(mm_.connect_calls("m1"), connects + 1);
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").counters.reconnects, 1u);
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.1.2/30")});
}

TEST_F(ModemLayerTest, LosingRegistrationMarksTheWanDownAtOnce) {
  AddTwoModems();
  StartBoth();
  size_t before = published_.size();
  SteadyTime lost_at = scheduler_.Now();
  mm_.Deregister("m2");
  Settle();
  ASSERT_GT(published_.size(), before);
  EXPECT_EQ(published_[before].state.name, "modem2");
  EXPECT_FALSE(published_[before].state.wan_up);
  EXPECT_EQ(published_[before].at, lost_at);
  EXPECT_NE(State("modem2").last_error.find("registration lost"), std::string::npos);
  EXPECT_TRUE(State("modem1").wan_up);

  // Back-off passes, still searching: it waits for registration instead of connecting.
  Advance(seconds(2));
  EXPECT_EQ(State("modem2").phase, SupervisorPhase::kWaitingForRegistration);
  mm_.Register("m2", RegistrationState::kHome);
  Settle();
  EXPECT_TRUE(State("modem2").wan_up);
}

TEST_F(ModemLayerTest, BackOffGrowsAndIsBoundedWhileTheNetworkRejectsTheApn) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  mm_.RefuseConnect("m1", std::string(kMe) + "ServiceOptionNotSubscribed", "not subscribed");
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);
  for (int64_t delay : {1000, 2000, 4000, 8000, 8000, 8000}) {
    uint32_t calls = mm_.connect_calls("m1");
    Advance(milliseconds(delay - 1));
    EXPECT_EQ(mm_.connect_calls("m1"), calls) << "retried before " << delay << " ms";
    Advance(milliseconds(1));
    EXPECT_EQ(mm_.connect_calls("m1"), calls + 1) << "no retry after " << delay << " ms";
  }
  // A network rejection is not cured by restarting the modem: no escalation however long.
  Advance(std::chrono::minutes(30));
  EXPECT_EQ(mm_.enable_calls("m1", false), 0u);
  EXPECT_EQ(mm_.reset_calls("m1"), 0u);
  EXPECT_EQ(State("modem1").counters.cycles, 0u);
  EXPECT_GE(CountEvents("modem1", ModemEventKind::kConnectRejected), 7);
  EXPECT_NE(State("modem1").last_error.find("ServiceOptionNotSubscribed"), std::string::npos);
  EXPECT_FALSE(State("modem1").wan_up);

  // The operator fixes the subscription: the next attempt connects.
  mm_.RefuseConnect("m1", "", "");
  Advance(milliseconds(9601));
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, AWrongApnIsReportedAsConnectRejected) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.apn.apn = "no.such.apn";
  StartFleet({profile});
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kConnectRejected), 1);
  EXPECT_NE(State("modem1").last_error.find("ServiceOptionNotSubscribed"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
}

TEST_F(ModemLayerTest, RepeatedFailuresEscalateToACycleThenAReset) {
  AddTwoModems();
  mm_.RefuseConnect("m1", "org.freedesktop.ModemManager1.Error.Core.Failed", "modem firmware confused");
  mm_.SetResetDowntime(seconds(5));
  StartBoth();
  // Failures 1 and 2 back off (1 s, 2 s); the third escalates to disable/enable, and the
  // re-enabled modem connects again at once (failure 4).
  Advance(milliseconds(1000));
  EXPECT_EQ(mm_.enable_calls("m1", false), 0u);
  Advance(milliseconds(2000));
  EXPECT_EQ(mm_.enable_calls("m1", false), 1u);
  EXPECT_EQ(mm_.enable_calls("m1", true), 2u);
  EXPECT_EQ(mm_.connect_calls("m1"), 4u);
  EXPECT_EQ(State("modem1").counters.cycles, 1u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kEscalatedCycle), 1);
  EXPECT_EQ(mm_.reset_calls("m1"), 0u);

  // Failures 5 and 6 follow after 8 s each (the bound): the next escalation resets the modem.
  Advance(milliseconds(15999));
  EXPECT_EQ(mm_.reset_calls("m1"), 0u);
  Advance(milliseconds(1));
  EXPECT_EQ(mm_.connect_calls("m1"), 6u);
  EXPECT_EQ(mm_.reset_calls("m1"), 1u);
  EXPECT_EQ(State("modem1").counters.resets, 1u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kEscalatedReset), 1);
  EXPECT_TRUE(State("modem2").wan_up);  // never touched
  Settle();
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kResetting);

  // The modem comes back from its reset at a new path, healthy now, and is re-adopted.
  mm_.RefuseConnect("m1", "", "");
  std::string old_path = mm_.PathOf("m1");
  Advance(seconds(5));
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
  EXPECT_EQ(Supervisor("modem1").bound_path(), mm_.PathOf("m1"));
  EXPECT_NE(mm_.PathOf("m1"), old_path);
  EXPECT_EQ(State("modem1").counters.readoptions, 1u);
  EXPECT_EQ(State("modem1").counters.connect_failures, 6u);
}

TEST_F(ModemLayerTest, TheConfiguredPinUnlocksTheSimOnce) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.pin = "1234";
  mm_.AddModem(spec);
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "1234");
  StartFleet({profile});
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
}

TEST_F(ModemLayerTest, ARejectedPinIsNeverSentAgain) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.pin = "1234";
  mm_.AddModem(spec);
  mm_.AddModem(Spec("m2", "860000000000022", "wwan1", "100.64.2.2/30", "100.64.2.1"));
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "0000");
  StartFleet({profile, Profile("modem2", "860000000000022")});

  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kPinRejected), 1);
  EXPECT_EQ(State("modem1").sim_pin_retries, 2u);
  EXPECT_NE(State("modem1").last_error.find("rejected the PIN"), std::string::npos);
  EXPECT_TRUE(State("modem2").wan_up);

  // Hours pass; the modem even drops off the bus and comes back: still not one more attempt.
  Advance(std::chrono::hours(3));
  mm_.RemoveModem("m1");
  Settle();
  mm_.AddModem("m1");
  Settle();
  Advance(std::chrono::hours(1));
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);

  // The operator asks to resume without fixing the file: refused, still no attempt.
  auto refused = Supervisor("modem1").ResumeAfterOperator();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kRejected);
  Settle();
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);

  // With the right PIN in the file, resuming unlocks and connects.
  WriteSecret("pin", "1234");
  ASSERT_TRUE(Supervisor("modem1").ResumeAfterOperator());
  Settle();
  EXPECT_EQ(mm_.pin_attempts("m1"), 2u);
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
}

TEST_F(ModemLayerTest, APinFileOthersCanReadIsRefusedWithoutTryingIt) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.pin = "1234";
  mm_.AddModem(spec);
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "1234", 0644);
  StartFleet({profile});
  EXPECT_EQ(mm_.pin_attempts("m1"), 0u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_NE(State("modem1").last_error.find("0600 or 0400"), std::string::npos);

  ::chmod(profile.pin_file.c_str(), 0600);
  ASSERT_TRUE(Supervisor("modem1").ResumeAfterOperator());
  Settle();
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, ALockedSimWithoutAPinFileWaitsForTheOperator) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.pin = "1234";
  mm_.AddModem(spec);
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(std::chrono::hours(1));
  EXPECT_EQ(mm_.pin_attempts("m1"), 0u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_NE(State("modem1").last_error.find("no pin_file"), std::string::npos);
}

TEST_F(ModemLayerTest, APinAnswerThatNeverComesIsNotResent) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.pin = "1234";
  mm_.AddModem(spec);
  mm_.Hang("m1", true);
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "1234");
  StartFleet({profile});
  Advance(std::chrono::hours(2));
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_NE(State("modem1").last_error.find("not resent"), std::string::npos);
}

TEST_F(ModemLayerTest, ASimLockedWhileConnectedIsUnlockedAgain) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.pin_file = WriteSecret("pin", "4321");
  StartFleet({profile});
  ASSERT_TRUE(State("modem1").wan_up);
  mm_.RequirePin("m1", "4321");
  Settle();
  EXPECT_FALSE(State("modem1").wan_up);
  Advance(seconds(2));
  EXPECT_EQ(mm_.pin_attempts("m1"), 1u);
  EXPECT_TRUE(State("modem1").wan_up) << State("modem1").last_error;
}

TEST_F(ModemLayerTest, AMissingSimIsReportedAndAnInsertedOneIsUsed) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  mm_.RemoveSim("m1");
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(std::chrono::minutes(30));
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_EQ(State("modem1").last_error, "SIM missing");
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kSimMissing), 1);
  EXPECT_EQ(mm_.enable_calls("m1", true), 0u);
  EXPECT_EQ(mm_.reset_calls("m1"), 0u);  // a reset does not grow a SIM

  mm_.InsertSim("m1");
  Settle();
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, AModemVanishingMidConnectIsReadoptedAtItsNewPath) {
  AddTwoModems();
  mm_.SetConnectDelay("m1", seconds(5));
  StartBoth();
  Advance(seconds(1));
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConnecting);
  std::string old_path = Supervisor("modem1").bound_path();

  mm_.RemoveModem("m1");
  Settle();
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kAbsent);
  EXPECT_FALSE(Supervisor("modem1").bound());
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kModemVanished), 1);
  Advance(seconds(10));  // the lost connect's answer never comes; nothing is applied
  EXPECT_TRUE(AddressesOn(wwan0_).empty());

  mm_.SetConnectDelay("m1", milliseconds(0));
  std::string new_path = mm_.AddModem("m1");
  Settle();
  EXPECT_NE(new_path, old_path);
  EXPECT_EQ(Supervisor("modem1").bound_path(), new_path);
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").counters.readoptions, 1u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kModemAdopted), 2);
  EXPECT_TRUE(State("modem2").wan_up);
}

TEST_F(ModemLayerTest, AConnectedModemThatVanishesCountsADropAndClearsItsLink) {
  AddTwoModems();
  StartBoth();
  size_t before = published_.size();
  mm_.RemoveModem("m2");
  Settle();
  ASSERT_GT(published_.size(), before);
  EXPECT_FALSE(published_[before].state.wan_up);
  EXPECT_EQ(State("modem2").counters.bearer_drops, 1u);
  EXPECT_TRUE(AddressesOn(wwan1_).empty());
  mm_.AddModem("m2");
  Settle();
  EXPECT_TRUE(State("modem2").wan_up);
}

TEST_F(ModemLayerTest, ASlowModemDoesNotDelayTheOther) {
  AddTwoModems();
  mm_.SetConnectDelay("m1", seconds(45));
  SteadyTime start = scheduler_.Now();
  StartBoth();
  EXPECT_EQ(scheduler_.Now(), start);
  EXPECT_TRUE(State("modem2").wan_up);  // connected with no time passing at all
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConnecting);
  Advance(seconds(45));
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, AHungModemTimesOutAndEscalatesWhileTheOtherStaysUp) {
  AddTwoModems();
  mm_.Hang("m1", true);
  StartBoth();
  EXPECT_TRUE(State("modem2").wan_up);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kEnabling);
  Advance(seconds(20));  // call_timeout
  EXPECT_NE(State("modem1").last_error.find("timeout"), std::string::npos);
  Advance(std::chrono::minutes(5));
  EXPECT_GE(mm_.reset_calls("m1"), 1u);  // enable timeouts x3, then the reset
  EXPECT_TRUE(State("modem2").wan_up);
  EXPECT_EQ(State("modem2").counters.bearer_drops, 0u);
}

TEST_F(ModemLayerTest, AConnectAnsweredAfterTheTimeoutIsAdoptedWhenItLands) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  mm_.SetConnectDelay("m1", milliseconds(60500));  // connect_timeout is 60 s
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(seconds(60));
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  // The modem finishes connecting anyway, half-way through the 1 s back-off: used at once.
  Advance(milliseconds(500));
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);
  Advance(seconds(5));
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, ModemsAreBoundByIdentityNotByDiscoveryOrder) {
  // Discovered in the opposite order of the configuration, plus one modem nobody configured.
  mm_.AddModem(Spec("m2", "860000000000022", "wwan1", "100.64.2.2/30", "100.64.2.1"));
  mm_.AddModem(Spec("stranger", "860000000000099", "wwan9", "100.64.9.2/30", "100.64.9.1"));
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  ModemProfile by_device = Profile("modem1", "");
  by_device.match = {ModemMatchKind::kDevice, "/sys/devices/fake/usb1/m1"};
  ModemProfile by_iccid = Profile("modem2", "");
  by_iccid.match = {ModemMatchKind::kIccid, "8901000000000000022"};
  StartFleet({by_device, by_iccid});

  EXPECT_EQ(Supervisor("modem1").bound_path(), mm_.PathOf("m1"));
  EXPECT_EQ(Supervisor("modem2").bound_path(), mm_.PathOf("m2"));
  EXPECT_EQ(State("modem1").interface, "wwan0");
  EXPECT_EQ(State("modem2").interface, "wwan1");
  EXPECT_EQ(mm_.connect_calls("stranger"), 0u);
  EXPECT_EQ(mm_.enable_calls("stranger", true), 0u);

  // Both re-probed (new paths, new order): each name finds its own modem again.
  mm_.RemoveModem("m1");
  mm_.RemoveModem("m2");
  Settle();
  mm_.AddModem("m1");
  mm_.AddModem("m2");
  Settle();
  EXPECT_EQ(Supervisor("modem1").bound_path(), mm_.PathOf("m1"));
  EXPECT_EQ(Supervisor("modem2").bound_path(), mm_.PathOf("m2"));
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_TRUE(State("modem2").wan_up);
}

TEST_F(ModemLayerTest, PrivateApnFixedIpMismatchIsAnEventAndAFlag) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  ModemProfile profile = Profile("modem1", "860000000000011");
  profile.apn.expected_ipv4 = Ip("100.64.1.6");
  profile.apn.private_prefixes = {Prefix("10.20.0.0/16")};
  profile.apn.dns = {Ip("10.20.0.53")};
  StartFleet({profile});
  const ModemWanState& state = State("modem1");
  EXPECT_TRUE(state.wan_up);  // usable; whether to route over it is the policy's decision
  EXPECT_TRUE(state.fixed_ip_mismatch);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kFixedIpMismatch), 1);
  EXPECT_NE(state.last_error.find("100.64.1.6"), std::string::npos);
  EXPECT_EQ(state.dns, std::vector<net::IpAddress>{Ip("10.20.0.53")});  // the APN's own DNS
  EXPECT_EQ(state.private_prefixes, std::vector<net::IpPrefix>{Prefix("10.20.0.0/16")});

  // The operator's side is fixed and the bearer reconnects with the promised address.
  mm_.SetBearerIpv4("m1", BearerIpConfig{Prefix("100.64.1.6/30"), Ip("100.64.1.5"), {}, 1500});
  mm_.DropBearer("m1", "", "");
  Advance(seconds(2));
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_FALSE(State("modem1").fixed_ip_mismatch);
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.1.6/30")});
}

TEST_F(ModemLayerTest, RoamingConnectsOnlyWhenTheProfileAllowsIt) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.registration_when_enabled = RegistrationState::kRoaming;
  mm_.AddModem(spec);
  auto spec2 = Spec("m2", "860000000000022", "wwan1", "100.64.2.2/30", "100.64.2.1");
  spec2.registration_when_enabled = RegistrationState::kRoaming;
  mm_.AddModem(spec2);
  ModemProfile roaming = Profile("modem2", "860000000000022");
  roaming.apn.allow_roaming = true;
  StartFleet({Profile("modem1", "860000000000011"), roaming});
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kWaitingForRegistration);
  EXPECT_NE(State("modem1").last_error.find("roaming"), std::string::npos);
  EXPECT_EQ(mm_.connect_calls("m1"), 0u);
  EXPECT_TRUE(State("modem2").wan_up);
  EXPECT_EQ(State("modem2").registration, RegistrationState::kRoaming);
}

TEST_F(ModemLayerTest, NoRegistrationInTimeCountsAsAFailure) {
  auto spec = Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1");
  spec.registration_when_enabled = RegistrationState::kDenied;
  mm_.AddModem(spec);
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_EQ(State("modem1").last_error, "registration denied by the network");
  Advance(seconds(89));
  EXPECT_EQ(State("modem1").counters.connect_failures, 0u);
  Advance(seconds(1));
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_NE(State("modem1").last_error.find("waited 90 s for a usable registration"), std::string::npos);
}

TEST_F(ModemLayerTest, APppBearerIsReportedAsUnsupported) {
  auto spec = Spec("m1", "860000000000011", "ttyUSB2", "100.64.1.2/30", "100.64.1.1");
  spec.ipv4_method = BearerIpMethod::kPpp;
  mm_.AddModem(spec);
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kNeedsOperator);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kUnsupportedBearer), 1);
  EXPECT_NE(State("modem1").last_error.find("PPP"), std::string::npos);
}

TEST_F(ModemLayerTest, AMissingDataInterfaceIsAFailureAndTheBearerIsDisconnected) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan7", "100.64.1.2/30", "100.64.1.1"));
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_NE(State("modem1").last_error.find("wwan7"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  ASSERT_EQ(mm_.Info("m1")->bearers.size(), 1u);
  EXPECT_FALSE(mm_.Info("m1")->bearers.front().connected);  // torn down, not left dangling
  EXPECT_EQ(mm_.Info("m1")->state, ModemState::kRegistered);
}

TEST_F(ModemLayerTest, ABearerAlreadyConnectedAtStartIsAdoptedWithoutReconnecting) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  // A previous daemon left the modem connected.
  std::string path = mm_.PathOf("m1");
  mm_.Enable(path, true, seconds(1), [](ModemCallResult<void>) {});
  Settle();
  mm_.Connect(path, ConnectSettings{.apn = "internet"}, seconds(1), [](ModemCallResult<std::string>) {});
  Settle();
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);
}

TEST_F(ModemLayerTest, AFleetRebuiltAfterAReloadAdoptsTheConnectedModems) {
  AddTwoModems();
  StartBoth();
  uint32_t connects = mm_.connect_calls("m1") + mm_.connect_calls("m2");
  fleet_->Shutdown();
  fleet_.reset();  // the old fleet is gone; the edge keeps running
  StartBoth();     // the same edge, a new listener
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_TRUE(State("modem2").wan_up);
  EXPECT_EQ(mm_.connect_calls("m1") + mm_.connect_calls("m2"), connects);
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.1.2/30")});
}

TEST_F(ModemLayerTest, SignalChangesArePublished) {
  mm_.AddModem(Spec("m1", "860000000000011", "wwan0", "100.64.1.2/30", "100.64.1.1"));
  StartFleet({Profile("modem1", "860000000000011")});
  mm_.SetSignal("m1", 35, SignalDetails{-80, -105, -12, 3});
  Settle();
  EXPECT_EQ(State("modem1").signal_quality, 35u);
  EXPECT_EQ(State("modem1").signal.rsrp_dbm, -105);
  EXPECT_EQ(published_.back().state.signal.snr_db, 3);
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(ModemLayerTest, ShutdownRemovesOnlyWhatTheSupervisorAdded) {
  AddTwoModems();
  ASSERT_TRUE(kernel_.AddAddress({wwan0_, Prefix("192.0.2.1/24")}));  // someone else's
  StartBoth();
  fleet_->Shutdown();
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("192.0.2.1/24")});
  EXPECT_TRUE(AddressesOn(wwan1_).empty());
  EXPECT_FALSE(State("modem1").wan_up);
}


// DHCP and PPP bearers: the helper (udhcpc, pppd) is a fake that the test plays.
class BearerIpClientTest : public ModemLayerTest {
 protected:
  void SetUp() override {
    ModemLayerTest::SetUp();
    use_ip_clients_ = true;
  }
  void AddModem(const std::string& id, const std::string& imei, const std::string& interface, BearerIpMethod method) {
    auto spec = Spec(id, imei, interface, "100.64.1.2/30", "100.64.1.1");  // ignored for DHCP and PPP
    spec.ipv4_method = method;
    mm_.AddModem(spec);
  }
  static BearerIpLease DhcpLease(const char* address, const char* router) {
    return BearerIpLease{"wwan0", BearerIpConfig{Prefix(address), Ip(router), {Ip("198.51.100.53")}, 1400}, false};
  }
  static BearerIpLease PppLink(const char* interface, const char* local, const char* peer) {
    return BearerIpLease{interface, BearerIpConfig{Prefix(local), Ip(peer), {Ip("198.51.100.53"), Ip("198.51.100.54")}, 0},
                         true};
  }
  bool BearerConnected(const std::string& id) {
    const ModemInfo* info = mm_.Info(id);
    for (const auto& bearer : info->bearers) {
      if (bearer.connected) return true;
    }
    return false;
  }
};

TEST_F(BearerIpClientTest, ADhcpBearerRunsTheClientAndTheWanComesUpWithTheLease) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConfiguring);
  EXPECT_FALSE(State("modem1").wan_up);
  ASSERT_TRUE(ip_clients_.running("modem1"));
  const BearerIpClientRequest* request = ip_clients_.last_request("modem1");
  EXPECT_EQ(request->kind, BearerIpClientKind::kDhcp);
  EXPECT_EQ(request->interface, "wwan0");
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
  EXPECT_TRUE(kernel_.GetLink("wwan0")->admin_up);  // udhcpc needs the link up to send anything

  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  const ModemWanState& state = State("modem1");
  EXPECT_TRUE(state.wan_up) << state.last_error;
  EXPECT_EQ(state.phase, SupervisorPhase::kConnected);
  EXPECT_EQ(state.interface, "wwan0");
  ASSERT_TRUE(state.ipv4);
  EXPECT_EQ(state.ipv4->address, Prefix("100.64.7.10/24"));
  EXPECT_EQ(state.ipv4->gateway, Ip("100.64.7.1"));
  EXPECT_EQ(state.dns, std::vector<net::IpAddress>{Ip("198.51.100.53")});
  // uplinkd applies the lease itself (the udhcpc script only reports it).
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.7.10/24")});
  EXPECT_EQ(kernel_.GetLink("wwan0")->mtu, 1400u);
  EXPECT_TRUE(kernel_.GetLink("wwan0")->admin_up);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kWanUp), 1);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kUnsupportedBearer), 0);

  // A renewal with the same values changes nothing; one with a new address replaces the old.
  size_t before = published_.size();
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  EXPECT_EQ(published_.size(), before);
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.11/24", "100.64.7.1"));
  Settle();
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.7.11/24")});
  EXPECT_EQ(State("modem1").ipv4->address, Prefix("100.64.7.11/24"));
  EXPECT_EQ(ip_clients_.starts("modem1"), 1u);
}

TEST_F(BearerIpClientTest, ALostLeaseMarksTheWanDownAtOnceAndTheNextLeaseBringsItBack) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  ASSERT_TRUE(State("modem1").wan_up);
  size_t before = published_.size();
  SteadyTime lost_at = scheduler_.Now();

  ip_clients_.Lose("modem1", "DHCP deconfig");
  Settle();
  ASSERT_GT(published_.size(), before);
  EXPECT_FALSE(published_[before].state.wan_up);
  EXPECT_EQ(published_[before].at, lost_at);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kConfiguring);
  EXPECT_NE(State("modem1").last_error.find("DHCP lease on wwan0 lost"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 1u);
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
  EXPECT_TRUE(ip_clients_.running("modem1"));  // udhcpc keeps asking
  EXPECT_TRUE(BearerConnected("m1"));

  Advance(seconds(10));
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.20/24", "100.64.7.1"));
  Settle();
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(AddressesOn(wwan0_), std::vector<net::IpPrefix>{Prefix("100.64.7.20/24")});
  EXPECT_EQ(ip_clients_.starts("modem1"), 1u);
  EXPECT_EQ(mm_.connect_calls("m1"), 1u);
}

TEST_F(BearerIpClientTest, NoLeaseInTimeStopsTheClientDisconnectsAndRetriesAfterTheBackOff) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  auto profile = Profile("modem1", "860000000000011");
  profile.recovery.ip_config_timeout = seconds(30);
  StartFleet({profile});
  Advance(milliseconds(29999));
  EXPECT_TRUE(ip_clients_.running("modem1"));
  EXPECT_EQ(State("modem1").counters.connect_failures, 0u);
  Advance(milliseconds(1));
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_EQ(ip_clients_.stops("modem1"), 1u);
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_NE(State("modem1").last_error.find("no DHCP lease on wwan0 within 30 s"), std::string::npos);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  EXPECT_FALSE(BearerConnected("m1"));  // torn down so the next attempt starts clean

  Advance(milliseconds(1000));  // first back-off step
  EXPECT_EQ(mm_.connect_calls("m1"), 2u);
  EXPECT_EQ(ip_clients_.starts("modem1"), 2u);
  EXPECT_TRUE(ip_clients_.running("modem1"));
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  EXPECT_TRUE(State("modem1").wan_up);
}

TEST_F(BearerIpClientTest, ABearerLostWhileTheClientRunsStopsIt) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  // Still waiting for the lease: the attempt failed.
  mm_.DropBearer("m1", std::string(kMe) + "NetworkFailureActivation", "dropped");
  Settle();
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);

  // Up, then dropped: down at once, the client stopped, reconnected after the back-off.
  Advance(milliseconds(1000));
  ASSERT_TRUE(ip_clients_.running("modem1"));
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  ASSERT_TRUE(State("modem1").wan_up);
  size_t before = published_.size();
  mm_.DropBearer("m1", std::string(kMe) + "NetworkFailureActivation", "dropped");
  Settle();
  EXPECT_FALSE(published_[before].state.wan_up);
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_EQ(ip_clients_.stops("modem1"), 2u);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 1u);
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
  // A late lease from the stopped client is never applied.
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.99/24", "100.64.7.1"));
  Settle();
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
}

TEST_F(BearerIpClientTest, TheModemVanishingStopsTheClient) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  ASSERT_TRUE(State("modem1").wan_up);
  mm_.RemoveModem("m1");
  Settle();
  EXPECT_FALSE(State("modem1").wan_up);
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
}

TEST_F(BearerIpClientTest, APppBearerRunsPppdWithItsOwnUnitAndCredentialsAndUsesThePppLink) {
  AddModem("m1", "860000000000011", "ttyUSB2", BearerIpMethod::kPpp);
  AddModem("m2", "860000000000022", "ttyUSB5", BearerIpMethod::kPpp);
  auto one = Profile("modem1", "860000000000011");
  one.apn.user = "gateway";
  one.apn.password_file = WriteSecret("apn-password", "s3cret");
  StartFleet({one, Profile("modem2", "860000000000022")});
  for (const char* name : {"modem1", "modem2"}) {
    EXPECT_EQ(State(name).phase, SupervisorPhase::kConfiguring) << name;
    ASSERT_TRUE(ip_clients_.running(name)) << name;
  }
  const BearerIpClientRequest* request = ip_clients_.last_request("modem1");
  EXPECT_EQ(request->kind, BearerIpClientKind::kPpp);
  EXPECT_EQ(request->interface, "ttyUSB2");
  EXPECT_EQ(request->ppp_unit, 0u);
  EXPECT_EQ(request->user, "gateway");
  EXPECT_EQ(request->password, "s3cret");
  EXPECT_EQ(ip_clients_.last_request("modem2")->ppp_unit, 1u);
  EXPECT_TRUE(ip_clients_.last_request("modem2")->password.empty());

  ip_clients_.Configure("modem1", PppLink("ppp0", "10.64.0.5/32", "10.64.0.1"));
  Settle();
  const ModemWanState& state = State("modem1");
  EXPECT_TRUE(state.wan_up) << state.last_error;
  EXPECT_EQ(state.interface, "ppp0");
  EXPECT_EQ(state.ipv4->address, Prefix("10.64.0.5/32"));
  EXPECT_EQ(state.ipv4->gateway, Ip("10.64.0.1"));
  EXPECT_EQ(state.dns, (std::vector<net::IpAddress>{Ip("198.51.100.53"), Ip("198.51.100.54")}));
  // pppd configured ppp0 itself: uplinkd touched no link.
  EXPECT_TRUE(kernel_.ListAddresses(0)->empty());
  EXPECT_FALSE(State("modem2").wan_up);
}

TEST_F(BearerIpClientTest, PppdExitingIsABearerLossAndTheSupervisorRedials) {
  AddModem("m1", "860000000000011", "ttyUSB2", BearerIpMethod::kPpp);
  StartFleet({Profile("modem1", "860000000000011")});
  ip_clients_.Configure("modem1", PppLink("ppp0", "10.64.0.5/32", "10.64.0.1"));
  Settle();
  ASSERT_TRUE(State("modem1").wan_up);
  size_t before = published_.size();
  SteadyTime exited_at = scheduler_.Now();

  ip_clients_.Exit("modem1", "pppd exit status 16");
  Settle();
  ASSERT_GT(published_.size(), before);
  EXPECT_FALSE(published_[before].state.wan_up);
  EXPECT_EQ(published_[before].at, exited_at);
  EXPECT_NE(State("modem1").last_error.find("pppd exit status 16"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 1u);
  EXPECT_EQ(CountEvents("modem1", ModemEventKind::kWanDown), 1);
  EXPECT_FALSE(BearerConnected("m1"));  // the bearer is disconnected so the modem leaves data mode

  Advance(milliseconds(1000));
  EXPECT_EQ(mm_.connect_calls("m1"), 2u);
  EXPECT_EQ(ip_clients_.starts("modem1"), 2u);
  ip_clients_.Configure("modem1", PppLink("ppp0", "10.64.0.6/32", "10.64.0.1"));
  Settle();
  EXPECT_TRUE(State("modem1").wan_up);
  EXPECT_EQ(State("modem1").counters.reconnects, 1u);
}

TEST_F(BearerIpClientTest, PppdThatNeverComesUpTimesOutAndPppdThatDiesEarlyIsAFailure) {
  AddModem("m1", "860000000000011", "ttyUSB2", BearerIpMethod::kPpp);
  StartFleet({Profile("modem1", "860000000000011")});
  Advance(seconds(30));
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_NE(State("modem1").last_error.find("no PPP link on ttyUSB2 within 30 s"), std::string::npos);
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 0u);
  EXPECT_FALSE(BearerConnected("m1"));

  Advance(milliseconds(1000));
  ASSERT_TRUE(ip_clients_.running("modem1"));
  ip_clients_.Exit("modem1", "pppd exit status 19");  // e.g. authentication failed
  Settle();
  EXPECT_EQ(State("modem1").counters.connect_failures, 2u);
  EXPECT_EQ(State("modem1").counters.bearer_drops, 0u);
  EXPECT_EQ(State("modem1").phase, SupervisorPhase::kBackingOff);
  EXPECT_FALSE(BearerConnected("m1"));
  EXPECT_FALSE(State("modem1").wan_up);
}

TEST_F(BearerIpClientTest, AHelperThatCannotStartIsAFailureAndTheBearerIsDisconnected) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  ip_clients_.FailNextStart(Error{ErrorCode::kNotFound, "/usr/bin/busybox is not executable", 2});
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_EQ(State("modem1").counters.connect_failures, 1u);
  EXPECT_NE(State("modem1").last_error.find("busybox"), std::string::npos);
  EXPECT_FALSE(BearerConnected("m1"));
  Advance(milliseconds(1000));
  EXPECT_TRUE(ip_clients_.running("modem1"));
}

TEST_F(BearerIpClientTest, ShutdownStopsTheHelper) {
  AddModem("m1", "860000000000011", "wwan0", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  ip_clients_.Configure("modem1", DhcpLease("100.64.7.10/24", "100.64.7.1"));
  Settle();
  fleet_->Shutdown();
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_TRUE(AddressesOn(wwan0_).empty());
}

TEST_F(BearerIpClientTest, ADhcpBearerWithoutItsInterfaceIsAFailure) {
  AddModem("m1", "860000000000011", "wwan7", BearerIpMethod::kDhcp);
  StartFleet({Profile("modem1", "860000000000011")});
  EXPECT_FALSE(ip_clients_.running("modem1"));
  EXPECT_EQ(ip_clients_.starts("modem1"), 0u);
  EXPECT_NE(State("modem1").last_error.find("cannot bring wwan7 up for DHCP"), std::string::npos);
  EXPECT_FALSE(BearerConnected("m1"));
}

}  // namespace
}  // namespace uplinkd::modem
