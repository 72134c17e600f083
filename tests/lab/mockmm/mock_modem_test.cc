#include "tests/lab/mockmm/mock_modem.h"

#include <ModemManager.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "base/fake_scheduler.h"

namespace uplinkd::lab {
namespace {

using ::testing::ElementsAre;

struct StateChange {
  int32_t old_state;
  int32_t new_state;
  uint32_t reason;
  bool operator==(const StateChange&) const = default;
};

std::ostream& operator<<(std::ostream& os, const StateChange& change) {
  return os << change.old_state << "->" << change.new_state << " (" << change.reason << ")";
}

// Records what the model reports, as the D-Bus side would see it.
class RecordingObserver : public MockModemObserver {
 public:
  void ModemPlugged(MockModem& modem) override { plugged.push_back(modem.dbus_id()); }
  void ModemUnplugged(MockModem& modem) override { unplugged.push_back(modem.dbus_id()); }
  void ModemInterfacesChanged(MockModem& modem) override { interface_sets.push_back(modem.Interfaces().size()); }
  void ModemStateChanged(MockModem&, int32_t old_state, int32_t new_state, uint32_t reason) override {
    states.push_back({old_state, new_state, reason});
  }
  void ModemPropertyChanged(MockModem&, ModemInterface, const char* property) override {
    modem_properties.insert(property);
  }
  void SimPropertyChanged(MockModem&, const char* property) override { sim_properties.insert(property); }
  void BearerAdded(MockModem&, const MockBearer& bearer) override { bearers_added.push_back(bearer.dbus_id); }
  void BearerRemoved(MockModem&, uint32_t id) override { bearers_removed.push_back(id); }
  void BearerPropertyChanged(MockModem&, const MockBearer& bearer, const char* property) override {
    bearer_properties[bearer.dbus_id].insert(property);
  }
  void SmsAdded(MockModem&, const MockSms& sms, bool received) override {
    sms_added.push_back(sms.dbus_id);
    last_sms_received = received;
  }
  void SmsRemoved(MockModem&, uint32_t id) override { sms_removed.push_back(id); }
  void SmsPropertyChanged(MockModem&, const MockSms&, const char* property) override {
    sms_properties.insert(property);
  }

  std::vector<uint32_t> plugged, unplugged;
  std::vector<size_t> interface_sets;
  std::vector<StateChange> states;
  std::set<std::string> modem_properties, sim_properties, sms_properties;
  std::vector<uint32_t> bearers_added, bearers_removed, sms_added, sms_removed;
  std::map<uint32_t, std::set<std::string>> bearer_properties;
  bool last_sms_received = false;
};

MockModemConfig TestConfig() {
  MockModemConfig config;
  config.id = "modem1";
  config.equipment_identifier = "860000000000011";
  config.device = "/sys/devices/lab/usb1/1-1";
  config.manufacturer = "uplinkd-lab";
  config.model = "EMU-LTE";
  config.revision = "1.0";
  config.sim = {.iccid = "8901000000000000011", .imsi = "001010000000011", .operator_name = "Lab Carrier One",
                .pin = std::nullopt, .puk = std::nullopt};
  config.operator_code = "00101";
  config.operator_name = "Lab Carrier One";
  config.signal_quality = 80;
  config.allowed_apns = {"internet"};
  config.bearer_interface = "wwan0";
  config.ipv4 = {.address = "100.64.1.2", .prefix = 30, .gateway = "100.64.1.1", .dns = {"100.64.1.1"}, .mtu = 1500};
  return config;
}

class MockModemTest : public ::testing::Test {
 protected:
  void Make(MockModemConfig config = TestConfig()) {
    modem_ = std::make_unique<MockModem>(std::move(config), 0,
                                         MockModemEnvironment{scheduler_, ids_, observer_, nullptr});
    modem_->Plug();
  }
  // Runs every timer that is due now (zero-delay steps), not the clock-driven ones.
  void Settle() { scheduler_.AdvanceBy(std::chrono::milliseconds(0)); }

  void EnableAndRegister() {
    bool done = false;
    modem_->Enable(true, [&](MockStatus status) { done = status.has_value(); });
    Settle();
    ASSERT_TRUE(done);
    ASSERT_EQ(modem_->state(), MM_MODEM_STATE_REGISTERED);
  }

  uint32_t Connect(std::string apn = "internet") {
    std::optional<MockResult<uint32_t>> result;
    ConnectRequest request;
    request.apn = std::move(apn);
    modem_->SimpleConnect(request, [&](MockResult<uint32_t> r) { result = std::move(r); });
    Settle();
    EXPECT_TRUE(result.has_value());
    EXPECT_TRUE(result && result->has_value()) << (result && !result->has_value() ? result->error().name : "");
    return result && result->has_value() ? **result : UINT32_MAX;
  }

  FakeScheduler scheduler_;
  MockDbusIds ids_;
  RecordingObserver observer_;
  std::unique_ptr<MockModem> modem_;
};

TEST_F(MockModemTest, StartsDisabledWithFreshObjectNumbers) {
  Make();
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
  EXPECT_EQ(modem_->lock(), MM_MODEM_LOCK_NONE);
  EXPECT_EQ(modem_->dbus_id(), 0u);
  EXPECT_EQ(modem_->sim_dbus_id(), 0u);
  EXPECT_EQ(modem_->registration_state(), MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN);
  EXPECT_EQ(modem_->Interfaces().size(), 5u);
  EXPECT_THAT(observer_.plugged, ElementsAre(0u));
}

TEST_F(MockModemTest, EnableWalksEnablingEnabledRegisteredAndRepliesWhenEnabled) {
  Make();
  std::optional<int32_t> state_at_reply;
  modem_->Enable(true, [&](MockStatus status) {
    ASSERT_TRUE(status.has_value());
    state_at_reply = modem_->state();
  });
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_ENABLING);
  Settle();
  EXPECT_EQ(state_at_reply, MM_MODEM_STATE_ENABLED);
  const uint32_t user = MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED;
  const uint32_t unknown = MM_MODEM_STATE_CHANGE_REASON_UNKNOWN;
  EXPECT_THAT(observer_.states,
              ElementsAre(StateChange{MM_MODEM_STATE_DISABLED, MM_MODEM_STATE_ENABLING, user},
                          StateChange{MM_MODEM_STATE_ENABLING, MM_MODEM_STATE_ENABLED, user},
                          StateChange{MM_MODEM_STATE_ENABLED, MM_MODEM_STATE_REGISTERED, unknown}));
  EXPECT_EQ(modem_->registration_state(), MM_MODEM_3GPP_REGISTRATION_STATE_HOME);
  EXPECT_EQ(modem_->operator_code(), "00101");
  EXPECT_EQ(modem_->operator_name(), "Lab Carrier One");
  EXPECT_EQ(modem_->access_technologies(), static_cast<uint32_t>(MM_MODEM_ACCESS_TECHNOLOGY_LTE));
  EXPECT_EQ(modem_->signal_quality(), 80u);
  EXPECT_EQ(modem_->power_state(), static_cast<uint32_t>(MM_MODEM_POWER_STATE_ON));
  for (const char* property : {"State", "RegistrationState", "OperatorCode", "OperatorName", "AccessTechnologies",
                               "SignalQuality", "PowerState"}) {
    EXPECT_TRUE(observer_.modem_properties.count(property)) << property;
  }
}

TEST_F(MockModemTest, DisableTearsDownAndReturnsToDisabled) {
  Make();
  EnableAndRegister();
  Connect();
  observer_.states.clear();
  bool done = false;
  modem_->Enable(false, [&](MockStatus status) { done = status.has_value(); });
  Settle();
  EXPECT_TRUE(done);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
  EXPECT_FALSE(modem_->bearers().front()->connected);
  EXPECT_EQ(modem_->registration_state(), MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN);
  EXPECT_EQ(modem_->signal_quality(), 0u);
  EXPECT_THAT(observer_.states, ElementsAre(StateChange{MM_MODEM_STATE_CONNECTED, MM_MODEM_STATE_DISABLING, 1},
                                            StateChange{MM_MODEM_STATE_DISABLING, MM_MODEM_STATE_DISABLED, 1}));
}

TEST_F(MockModemTest, LockedModemRefusesEnableWithWrongState) {
  auto config = TestConfig();
  config.sim.pin = "1234";
  Make(config);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_LOCKED);
  EXPECT_EQ(modem_->lock(), MM_MODEM_LOCK_SIM_PIN);
  // ModemManager 1.20 stops initializing at the lock with Modem, Simple and Modem3gpp exported.
  EXPECT_THAT(modem_->Interfaces(),
              ElementsAre(ModemInterface::kModem, ModemInterface::kSimple, ModemInterface::kModem3gpp));
  EXPECT_FALSE(modem_->sim_identity_loaded());
  std::optional<MockStatus> result;
  modem_->Enable(true, [&](MockStatus status) { result = status; });
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.Core.WrongState");
}

TEST_F(MockModemTest, WrongPinCountsDownThenPukIsRequired) {
  auto config = TestConfig();
  config.sim.pin = "1234";
  config.sim.puk = "87654321";
  Make(config);
  for (uint32_t left : {2u, 1u, 0u}) {
    auto result = modem_->SendPin("0000");
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().name, "org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword");
    EXPECT_EQ(modem_->pin_retries(), left);
  }
  EXPECT_EQ(modem_->lock(), MM_MODEM_LOCK_SIM_PUK);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_LOCKED);
  EXPECT_FALSE(modem_->SendPuk("11111111", "4321").has_value());
  EXPECT_EQ(modem_->puk_retries(), 9u);
  ASSERT_TRUE(modem_->SendPuk("87654321", "4321").has_value());
  EXPECT_EQ(modem_->lock(), MM_MODEM_LOCK_NONE);
  Settle();
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
}

TEST_F(MockModemTest, RightPinUnlocksExportsTheRestAndLoadsTheSim) {
  auto config = TestConfig();
  config.sim.pin = "1234";
  Make(config);
  ASSERT_TRUE(modem_->SendPin("1234").has_value());
  // ModemManager re-runs its initialization: the locked set goes, then everything comes.
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_INITIALIZING);
  bool enable_refused = false;
  modem_->Enable(true, [&](MockStatus status) { enable_refused = !status.has_value(); });
  EXPECT_TRUE(enable_refused);
  Settle();
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
  EXPECT_THAT(observer_.states,
              ElementsAre(StateChange{MM_MODEM_STATE_LOCKED, MM_MODEM_STATE_INITIALIZING, 0},
                          StateChange{MM_MODEM_STATE_INITIALIZING, MM_MODEM_STATE_DISABLED, 0}));
  EXPECT_EQ(modem_->Interfaces().size(), 5u);
  EXPECT_THAT(observer_.interface_sets, ElementsAre(2u, 5u));
  EXPECT_TRUE(modem_->sim_identity_loaded());
  EXPECT_TRUE(observer_.sim_properties.count("Imsi"));
  EXPECT_TRUE(observer_.modem_properties.count("UnlockRequired"));
  auto again = modem_->SendPin("1234");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().name, "org.freedesktop.ModemManager1.Error.Core.WrongState");
}

TEST_F(MockModemTest, SimpleConnectEnablesRegistersAndConnects) {
  Make();
  uint32_t bearer_id = Connect();
  EXPECT_EQ(bearer_id, 0u);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTED);
  const MockBearer* bearer = modem_->FindBearer(bearer_id);
  ASSERT_NE(bearer, nullptr);
  EXPECT_TRUE(bearer->connected);
  EXPECT_EQ(bearer->interface, "wwan0");
  EXPECT_TRUE(bearer->ipv4_up);
  EXPECT_FALSE(bearer->ipv6_up);  // no IPv6 in this config
  EXPECT_EQ(bearer->ip_type, static_cast<uint32_t>(MM_BEARER_IP_FAMILY_IPV4));
  EXPECT_EQ(bearer->attempts, 1u);
  const uint32_t user = MM_MODEM_STATE_CHANGE_REASON_USER_REQUESTED;
  EXPECT_EQ(observer_.states.back(), (StateChange{MM_MODEM_STATE_CONNECTING, MM_MODEM_STATE_CONNECTED, user}));
  EXPECT_EQ(observer_.states[observer_.states.size() - 2],
            (StateChange{MM_MODEM_STATE_REGISTERED, MM_MODEM_STATE_CONNECTING, user}));
  for (const char* property : {"Connected", "Interface", "Ip4Config", "ProfileId", "Stats"}) {
    EXPECT_TRUE(observer_.bearer_properties[bearer_id].count(property)) << property;
  }
  // Connecting again with the same settings reuses the connected bearer.
  EXPECT_EQ(Connect(), bearer_id);
  EXPECT_EQ(modem_->bearers().size(), 1u);
}

TEST_F(MockModemTest, SimpleConnectUnlocksWithPinWhenGiven) {
  auto config = TestConfig();
  config.sim.pin = "1234";
  Make(config);
  std::optional<MockResult<uint32_t>> result;
  ConnectRequest request{.apn = "internet"};
  modem_->SimpleConnect(request, [&](MockResult<uint32_t> r) { result = r; });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.Core.Unauthorized");
  result.reset();
  request.pin = "1234";
  modem_->SimpleConnect(request, [&](MockResult<uint32_t> r) { result = r; });
  Settle();
  ASSERT_TRUE(result.has_value());
  EXPECT_TRUE(result->has_value());
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTED);
}

TEST_F(MockModemTest, ApnOutsideTheSubscriptionFailsAndSetsConnectionError) {
  Make();
  EnableAndRegister();
  std::optional<MockResult<uint32_t>> result;
  modem_->SimpleConnect(ConnectRequest{.apn = "other"}, [&](MockResult<uint32_t> r) { result = r; });
  Settle();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().name,
            "org.freedesktop.ModemManager1.Error.MobileEquipment.ServiceOptionNotSubscribed");
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_REGISTERED);
  const MockBearer& bearer = *modem_->bearers().front();
  EXPECT_FALSE(bearer.connected);
  EXPECT_EQ(bearer.error_name, result->error().name);
  EXPECT_EQ(bearer.failed_attempts, 1u);
}

TEST_F(MockModemTest, RefuseConnectFailsEveryConnectUntilCleared) {
  Make();
  EnableAndRegister();
  modem_->RefuseConnect("org.freedesktop.ModemManager1.Error.MobileEquipment.GprsUnknown", "boom");
  for (int i = 0; i < 2; ++i) {
    std::optional<MockResult<uint32_t>> result;
    modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { result = r; });
    Settle();
    ASSERT_TRUE(result.has_value());
    ASSERT_FALSE(result->has_value());
    EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.MobileEquipment.GprsUnknown");
    EXPECT_EQ(result->error().message, "boom");
  }
  modem_->RefuseConnect("", "");
  Connect();
  EXPECT_TRUE(modem_->bearers().front()->error_name.empty());  // a new attempt clears the old error
}

TEST_F(MockModemTest, ConnectDelayHoldsTheReplyWithoutBlockingOtherModems) {
  Make();
  MockModem other(TestConfig(), 1, MockModemEnvironment{scheduler_, ids_, observer_, nullptr});
  other.Plug();
  EnableAndRegister();
  modem_->SetConnectDelay(std::chrono::milliseconds(5000));
  std::optional<MockResult<uint32_t>> slow;
  modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { slow = r; });
  Settle();
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTING);
  EXPECT_FALSE(slow.has_value());
  // The other modem connects while the first one waits.
  std::optional<MockResult<uint32_t>> fast;
  other.SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { fast = r; });
  Settle();
  ASSERT_TRUE(fast.has_value());
  EXPECT_TRUE(fast->has_value());
  scheduler_.AdvanceBy(std::chrono::milliseconds(4999));
  EXPECT_FALSE(slow.has_value());
  scheduler_.AdvanceBy(std::chrono::milliseconds(1));
  ASSERT_TRUE(slow.has_value());
  EXPECT_TRUE(slow->has_value());
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTED);
}

TEST_F(MockModemTest, DisconnectPassesThroughDisconnecting) {
  Make();
  EnableAndRegister();
  uint32_t bearer_id = Connect();
  observer_.states.clear();
  bool done = false;
  modem_->SimpleDisconnect(bearer_id, [&](MockStatus status) { done = status.has_value(); });
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISCONNECTING);
  Settle();
  EXPECT_TRUE(done);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_REGISTERED);
  const MockBearer* bearer = modem_->FindBearer(bearer_id);
  EXPECT_FALSE(bearer->connected);
  EXPECT_EQ(bearer->interface, "");
  EXPECT_FALSE(bearer->ipv4_up);
  EXPECT_EQ(observer_.states.size(), 2u);
  std::optional<MockStatus> missing;
  modem_->SimpleDisconnect(99, [&](MockStatus status) { missing = status; });
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->error().name, "org.freedesktop.ModemManager1.Error.Core.NotFound");
}

TEST_F(MockModemTest, NetworkDetachDropsTheBearerAndConnectWaitsForRegistration) {
  Make();
  EnableAndRegister();
  uint32_t bearer_id = Connect();
  observer_.states.clear();
  modem_->NetworkDetach();
  EXPECT_FALSE(modem_->FindBearer(bearer_id)->connected);
  EXPECT_EQ(modem_->registration_state(), MM_MODEM_3GPP_REGISTRATION_STATE_SEARCHING);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_SEARCHING);
  EXPECT_THAT(observer_.states, ElementsAre(StateChange{MM_MODEM_STATE_CONNECTED, MM_MODEM_STATE_SEARCHING, 1}));
  EXPECT_EQ(modem_->operator_code(), "");

  std::optional<MockResult<uint32_t>> result;
  modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { result = r; });
  scheduler_.AdvanceBy(std::chrono::seconds(10));
  EXPECT_FALSE(result.has_value());
  modem_->SetNetworkRegistration(NetworkRegistration::kHome);
  Settle();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(**result, bearer_id);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTED);
}

TEST_F(MockModemTest, ConnectGivesUpAfterSixtySecondsWithoutNetwork) {
  Make();
  EnableAndRegister();
  modem_->NetworkDetach();
  std::optional<MockResult<uint32_t>> result;
  modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { result = r; });
  scheduler_.AdvanceBy(std::chrono::seconds(59));
  EXPECT_FALSE(result.has_value());
  scheduler_.AdvanceBy(std::chrono::seconds(1));
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkTimeout");
}

TEST_F(MockModemTest, ConnectFailsAtOnceWhenTheNetworkDenies) {
  Make();
  EnableAndRegister();
  modem_->SetNetworkRegistration(NetworkRegistration::kDenied);
  std::optional<MockResult<uint32_t>> result;
  modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { result = r; });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkTimeout");
}

TEST_F(MockModemTest, SignalQualityAfterDisableIsAFreshZeroThatAges) {
  Make();
  EXPECT_FALSE(modem_->signal_recent());
  EnableAndRegister();
  bool done = false;
  modem_->Enable(false, [&](MockStatus status) { done = status.has_value(); });
  Settle();
  ASSERT_TRUE(done);
  EXPECT_EQ(modem_->signal_quality(), 0u);
  EXPECT_TRUE(modem_->signal_recent());
  scheduler_.AdvanceBy(MockModem::kSignalRecent);
  EXPECT_FALSE(modem_->signal_recent());
}

TEST_F(MockModemTest, DeniedRegistrationDropsAConnectedBearerAfterTheGracePeriod) {
  Make();
  EnableAndRegister();
  uint32_t bearer_id = Connect();
  modem_->SetNetworkRegistration(NetworkRegistration::kDenied);
  EXPECT_EQ(modem_->registration_state(), MM_MODEM_3GPP_REGISTRATION_STATE_DENIED);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_CONNECTED);
  scheduler_.AdvanceBy(std::chrono::seconds(14));
  EXPECT_TRUE(modem_->FindBearer(bearer_id)->connected);
  scheduler_.AdvanceBy(std::chrono::seconds(1));
  EXPECT_FALSE(modem_->FindBearer(bearer_id)->connected);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_ENABLED);
}

TEST_F(MockModemTest, DropBearerReportsTheErrorAndFallsBackToRegistered) {
  Make();
  EnableAndRegister();
  uint32_t bearer_id = Connect();
  ASSERT_TRUE(modem_->DropBearer("org.freedesktop.ModemManager1.Error.Connection.NoCarrier", "lost").has_value());
  const MockBearer* bearer = modem_->FindBearer(bearer_id);
  EXPECT_FALSE(bearer->connected);
  EXPECT_EQ(bearer->error_name, "org.freedesktop.ModemManager1.Error.Connection.NoCarrier");
  EXPECT_EQ(bearer->error_message, "lost");
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_REGISTERED);
  auto again = modem_->DropBearer("", "");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().name, "org.uplinkd.Lab.Error.WrongState");
}

TEST_F(MockModemTest, UnplugFailsPendingCallsAndPlugUsesNewNumbers) {
  Make();
  EnableAndRegister();
  modem_->SetConnectDelay(std::chrono::milliseconds(1000));
  std::optional<MockResult<uint32_t>> result;
  modem_->SimpleConnect(ConnectRequest{.apn = "internet"}, [&](MockResult<uint32_t> r) { result = r; });
  Settle();
  modem_->Unplug();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->error().name, "org.freedesktop.ModemManager1.Error.Core.Aborted");
  EXPECT_FALSE(modem_->present());
  EXPECT_EQ(modem_->StateName(), "removed");
  EXPECT_TRUE(modem_->bearers().empty());
  modem_->Plug();
  EXPECT_EQ(modem_->dbus_id(), 1u);
  EXPECT_EQ(modem_->sim_dbus_id(), 1u);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
  EXPECT_THAT(observer_.plugged, ElementsAre(0u, 1u));
  EXPECT_THAT(observer_.unplugged, ElementsAre(0u));
}

TEST_F(MockModemTest, RequirePinLocksARunningModem) {
  Make();
  EnableAndRegister();
  uint32_t bearer_id = Connect();
  modem_->RequirePin("4321");
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_LOCKED);
  EXPECT_EQ(modem_->lock(), MM_MODEM_LOCK_SIM_PIN);
  EXPECT_FALSE(modem_->FindBearer(bearer_id)->connected);
  EXPECT_EQ(modem_->Interfaces().size(), 3u);
  EXPECT_FALSE(modem_->SendPin("1234").has_value());
  EXPECT_TRUE(modem_->SendPin("4321").has_value());
  Settle();
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
}

TEST_F(MockModemTest, ReceivedSmsNeedsRegistration) {
  Make();
  auto refused = modem_->ReceiveSms("+15550001", "hello");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().name, "org.uplinkd.Lab.Error.WrongState");
  EnableAndRegister();
  ASSERT_TRUE(modem_->ReceiveSms("+15550001", "hello").has_value());
  ASSERT_EQ(modem_->messages().size(), 1u);
  const MockSms& sms = *modem_->messages().front();
  EXPECT_EQ(sms.number, "+15550001");
  EXPECT_EQ(sms.text, "hello");
  EXPECT_EQ(sms.state, static_cast<uint32_t>(MM_SMS_STATE_RECEIVED));
  EXPECT_EQ(sms.pdu_type, static_cast<uint32_t>(MM_SMS_PDU_TYPE_DELIVER));
  EXPECT_TRUE(observer_.last_sms_received);
  EXPECT_TRUE(observer_.modem_properties.count("Messages"));
  ASSERT_TRUE(modem_->DeleteSms(sms.dbus_id).has_value());
  EXPECT_THAT(observer_.sms_removed, ElementsAre(0u));
}

TEST_F(MockModemTest, SignalValuesAppearOnlyWhenPolled) {
  Make();
  EnableAndRegister();
  EXPECT_FALSE(modem_->signal_values_reported());
  ASSERT_TRUE(modem_->SetupSignal(5).has_value());
  EXPECT_TRUE(modem_->signal_values_reported());
  EXPECT_TRUE(observer_.modem_properties.count("Lte"));
  modem_->SetSignal(40, MockSignalValues{.rssi = -80, .rsrp = -110, .rsrq = -15, .snr = 2});
  EXPECT_EQ(modem_->signal_quality(), 40u);
  EXPECT_EQ(modem_->signal_values().rsrp, -110);
}

TEST_F(MockModemTest, ResetComesBackAtANewPath) {
  Make();
  EnableAndRegister();
  ASSERT_TRUE(modem_->Reset().has_value());
  Settle();
  EXPECT_FALSE(modem_->present());
  scheduler_.AdvanceBy(MockModem::kResetTime);
  EXPECT_TRUE(modem_->present());
  EXPECT_EQ(modem_->dbus_id(), 1u);
  EXPECT_EQ(modem_->state(), MM_MODEM_STATE_DISABLED);
}

TEST_F(MockModemTest, BearerLimitIsEnforced) {
  Make();
  for (uint32_t i = 0; i < MockModem::kMaxBearers; ++i) {
    ASSERT_TRUE(modem_->CreateBearer(ConnectRequest{.apn = "apn" + std::to_string(i)}).has_value());
  }
  auto refused = modem_->CreateBearer(ConnectRequest{.apn = "one-too-many"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().name, "org.freedesktop.ModemManager1.Error.Core.TooMany");
  ASSERT_TRUE(modem_->DeleteBearer(0).has_value());
  EXPECT_THAT(observer_.bearers_removed, ElementsAre(0u));
  EXPECT_FALSE(modem_->DeleteBearer(0).has_value());
}

}  // namespace
}  // namespace uplinkd::lab
