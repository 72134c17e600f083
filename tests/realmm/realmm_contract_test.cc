// The modem layer's ModemManager client (SdbusModemManagerEdge) against the REAL ModemManager
// 1.20 driving an emulated AT modem (ctest label `realmm`). The same scenarios as
// test_realmm_contract.py, seen through our own client: what it reports is what the supervisor
// decides on. The sdbus connection is driven from an io_context of the test's own, as the daemon
// drives it from its loop.
#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <sdbus-c++/sdbus-c++.h>

#include "base/asio_scheduler.h"
#include "base/sdbus_asio_bridge.h"
#include "modem/sdbus_modem_manager_edge.h"
#include "tests/realmm/at_emulator_control.h"
#include "tests/realmm/real_modem_manager_process.h"

namespace uplinkd::realmm {
namespace {

using namespace std::chrono_literals;
using modem::AccessTechnology;
using modem::BearerInfo;
using modem::BearerIpMethod;
using modem::ConnectSettings;
using modem::ModemCallFailure;
using modem::ModemCallResult;
using modem::ModemInfo;
using modem::ModemState;
using modem::RegistrationState;
using modem::SimLock;

constexpr auto kCallTimeout = 20s;
constexpr auto kWait = 15s;
constexpr const char* kIncorrectPassword = "org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword";
constexpr const char* kNoCarrier = "org.freedesktop.ModemManager1.Error.Connection.NoCarrier";
constexpr const char* kNotSubscribed =
    "org.freedesktop.ModemManager1.Error.MobileEquipment.ServiceOptionNotSubscribed";
constexpr const char* kWrongState = "org.freedesktop.ModemManager1.Error.Core.WrongState";
constexpr const char* kNetworkTimeout = "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkTimeout";

class RealModemManagerContractTest : public ::testing::Test {
 protected:
  void StartModemManager(std::string emulator_state_json = "") {
    RealModemManagerProcess::Options options;
    options.python = UPLINKD_DEBIAN_PYTHON;
    options.harness = UPLINKD_REALMM_HARNESS;
    options.emulator_state_json = std::move(emulator_state_json);
    auto process = RealModemManagerProcess::Start(options);
    ASSERT_TRUE(process) << Describe(process.error());
    mm_ = std::make_unique<RealModemManagerProcess>(std::move(*process));
    ASSERT_EQ(mm_->modemmanager_version().rfind("1.20.", 0), 0u) << mm_->modemmanager_version();
    control_ = std::make_unique<AtEmulatorControl>(mm_->control_socket());

    connection_ = sdbus::createSessionBusConnectionWithAddress(mm_->bus_address());
    bridge_ = std::make_unique<SdbusAsioBridge>(io_, *connection_);
    bridge_->Start();
    edge_ = std::make_unique<modem::SdbusModemManagerEdge>(*connection_, scheduler_, [this] { bridge_->Kick(); });
    modem::ModemManagerEdge::Listener listener;
    listener.modem_updated = [this](const ModemInfo& info) {
      modems_[info.path] = info;
      states_seen_.push_back(info.state);
    };
    listener.modem_removed = [this](const std::string& path) { modems_.erase(path); };
    edge_->Start(std::move(listener));
    ASSERT_TRUE(RunUntil([&] { return modems_.count(mm_->modem_path()) > 0; }, kWait))
        << "the edge never reported " << mm_->modem_path();
    path_ = mm_->modem_path();
  }

  void TearDown() override {
    edge_.reset();
    if (bridge_) bridge_->Stop();
    bridge_.reset();
    connection_.reset();
    if (mm_) mm_->Stop();
  }

  // Runs the loop until `done()` holds or `timeout` passes; event driven, bounded.
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.restart();
      io_.run_one_until(deadline);
    }
    return true;
  }

  const ModemInfo& Modem() { return modems_.at(path_); }

  bool WaitModem(const std::function<bool(const ModemInfo&)>& done, std::chrono::milliseconds timeout = kWait) {
    return RunUntil([&] { return modems_.count(path_) > 0 && done(modems_.at(path_)); }, timeout);
  }

  const BearerInfo* Bearer(const std::string& bearer_path) { return Modem().FindBearer(bearer_path); }

  ModemCallResult<void> Await(const std::function<void(modem::ModemManagerEdge::Done)>& call) {
    std::optional<ModemCallResult<void>> result;
    call([&](ModemCallResult<void> r) { result = std::move(r); });
    bridge_->Kick();
    if (!RunUntil([&] { return result.has_value(); }, kCallTimeout + 5s)) {
      return tl::unexpected(modem::MakeModemCallError("test.NoCallback", "the edge never called back"));
    }
    return *result;
  }

  ModemCallResult<std::string> Connect(const std::string& apn = "internet") {
    ConnectSettings settings;
    settings.apn = apn;
    settings.ip_type = modem::BearerIpType::kIpv4;
    settings.allow_roaming = true;
    std::optional<ModemCallResult<std::string>> result;
    edge_->Connect(path_, settings, kCallTimeout, [&](ModemCallResult<std::string> r) { result = std::move(r); });
    bridge_->Kick();
    if (!RunUntil([&] { return result.has_value(); }, kCallTimeout + 5s)) {
      return tl::unexpected(modem::MakeModemCallError("test.NoCallback", "the edge never called back"));
    }
    return *result;
  }

  void EnableAndRegister() {
    auto enabled = Await([&](auto done) { edge_->Enable(path_, true, kCallTimeout, std::move(done)); });
    ASSERT_TRUE(enabled) << modem::DescribeModemCallError(enabled.error());
    ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.state == ModemState::kRegistered; }))
        << "state " << static_cast<int>(Modem().state);
  }

  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  std::unique_ptr<RealModemManagerProcess> mm_;
  std::unique_ptr<AtEmulatorControl> control_;
  std::unique_ptr<sdbus::IConnection> connection_;
  std::unique_ptr<SdbusAsioBridge> bridge_;
  std::unique_ptr<modem::SdbusModemManagerEdge> edge_;
  std::map<std::string, ModemInfo> modems_;
  std::vector<ModemState> states_seen_;
  std::string path_;
};

TEST_F(RealModemManagerContractTest, DiscoversTheModemWithItsStableIdentity) {
  StartModemManager();
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return !m.iccid.empty(); })) << "the SIM's ICCID never arrived";
  EXPECT_EQ(Modem().equipment_identifier, "860000000000011");
  EXPECT_EQ(Modem().device, "/virtual/emu0");
  EXPECT_EQ(Modem().iccid, "8901000000000000011");
  EXPECT_EQ(Modem().manufacturer, "uplinkd-lab");
  EXPECT_EQ(Modem().model, "EMU-LTE");
  EXPECT_EQ(Modem().state, ModemState::kDisabled);
  EXPECT_EQ(Modem().unlock_required, SimLock::kNone);
}

TEST_F(RealModemManagerContractTest, EnableRegistersWithOperatorTechnologyAndSignal) {
  StartModemManager();
  states_seen_.clear();
  EnableAndRegister();
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) {
    return m.registration == RegistrationState::kHome && !m.operator_name.empty() && m.signal_quality > 0;
  }));
  EXPECT_EQ(Modem().operator_code, "00101");
  EXPECT_EQ(Modem().operator_name, "Lab Carrier One");
  EXPECT_EQ(Modem().access_technology, AccessTechnology::kLte);
  EXPECT_EQ(Modem().signal_quality, 60u);  // +CIND signal 3 of 5
  // The client saw the modem pass through enabling on its way (signals, not polling).
  EXPECT_NE(std::find(states_seen_.begin(), states_seen_.end(), ModemState::kEnabling), states_seen_.end());

  auto disabled = Await([&](auto done) { edge_->Enable(path_, false, kCallTimeout, std::move(done)); });
  ASSERT_TRUE(disabled) << modem::DescribeModemCallError(disabled.error());
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.state == ModemState::kDisabled; }));
}

TEST_F(RealModemManagerContractTest, ConnectWithAnApnThenDisconnect) {
  StartModemManager();
  EnableAndRegister();
  auto bearer_path = Connect("internet");
  ASSERT_TRUE(bearer_path) << modem::DescribeModemCallError(bearer_path.error());
  ASSERT_TRUE(WaitModem([&](const ModemInfo& m) {
    const BearerInfo* b = m.FindBearer(*bearer_path);
    return m.state == ModemState::kConnected && b && b->connected;
  })) << "no connected bearer " << *bearer_path;
  const BearerInfo* bearer = Bearer(*bearer_path);
  ASSERT_NE(bearer, nullptr);
  EXPECT_EQ(bearer->apn, "internet");
  // The generic AT plugin dials PPP on the primary port: Interface is that port's path.
  EXPECT_EQ(bearer->ipv4_method, BearerIpMethod::kPpp);
  EXPECT_EQ(bearer->interface.rfind(mm_->workdir() + "/at", 0), 0u) << bearer->interface;
  EXPECT_TRUE(bearer->connection_error_name.empty());

  auto disconnected = Await([&](auto done) { edge_->Disconnect(path_, *bearer_path, kCallTimeout, std::move(done)); });
  ASSERT_TRUE(disconnected) << modem::DescribeModemCallError(disconnected.error());
  ASSERT_TRUE(WaitModem([&](const ModemInfo& m) {
    const BearerInfo* b = m.FindBearer(*bearer_path);
    return m.state == ModemState::kRegistered && b && !b->connected;
  }));
  EXPECT_TRUE(Bearer(*bearer_path)->interface.empty());
}

// The real daemon keeps a PPP bearer (and the modem state) CONNECTED when registration is lost:
// only RegistrationState tells. The supervisor must mark the Wan down from the registration.
TEST_F(RealModemManagerContractTest, RegistrationLostWhileConnectedIsSeenOnlyInRegistration) {
  StartModemManager();
  EnableAndRegister();
  auto bearer_path = Connect();
  ASSERT_TRUE(bearer_path) << modem::DescribeModemCallError(bearer_path.error());
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.state == ModemState::kConnected; }));

  auto sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(control_->Register("searching"));
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.registration == RegistrationState::kSearching; }));
  auto seen = std::chrono::steady_clock::now();
  std::cerr << "registration loss reached the client after "
            << std::chrono::duration_cast<std::chrono::microseconds>(seen - sent).count() / 1000.0 << " ms\n";
  // A later indication on the same channel orders the check after anything done at once.
  ASSERT_TRUE(control_->SetSignal(31));
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal_quality == 100; }));
  EXPECT_EQ(Modem().state, ModemState::kConnected);
  ASSERT_NE(Bearer(*bearer_path), nullptr);
  EXPECT_TRUE(Bearer(*bearer_path)->connected);

  ASSERT_TRUE(control_->Register("home"));
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.registration == RegistrationState::kHome; }));
}

TEST_F(RealModemManagerContractTest, PinRequiredWrongPinCostsARetryRightPinUnlocks) {
  StartModemManager(R"({"sim_pin": "1234"})");
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.pin_retries.has_value(); }));
  EXPECT_EQ(Modem().state, ModemState::kLocked);
  EXPECT_EQ(Modem().unlock_required, SimLock::kSimPin);
  EXPECT_EQ(*Modem().pin_retries, 3u);

  auto enable = Await([&](auto done) { edge_->Enable(path_, true, kCallTimeout, std::move(done)); });
  ASSERT_FALSE(enable);
  EXPECT_EQ(enable.error().dbus_name, kWrongState);
  EXPECT_EQ(enable.error().failure, ModemCallFailure::kWrongState);

  auto wrong = Await([&](auto done) { edge_->SendPin(path_, "0000", kCallTimeout, std::move(done)); });
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().dbus_name, kIncorrectPassword);
  EXPECT_EQ(wrong.error().failure, ModemCallFailure::kIncorrectPin);
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.pin_retries == 2u; }));
  EXPECT_EQ(Modem().state, ModemState::kLocked);

  auto right = Await([&](auto done) { edge_->SendPin(path_, "1234", kCallTimeout, std::move(done)); });
  ASSERT_TRUE(right) << modem::DescribeModemCallError(right.error());
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) {
    return m.state == ModemState::kDisabled && m.unlock_required == SimLock::kNone;
  }));
  EnableAndRegister();
}

TEST_F(RealModemManagerContractTest, ConnectRefusedReportsTheNetworkError) {
  StartModemManager();
  // Registration denied: Simple.Connect fails without dialling.
  ASSERT_TRUE(control_->Register("denied"));
  auto enabled = Await([&](auto done) { edge_->Enable(path_, true, kCallTimeout, std::move(done)); });
  ASSERT_TRUE(enabled) << modem::DescribeModemCallError(enabled.error());
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.registration == RegistrationState::kDenied; }));
  auto denied = Connect();
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().dbus_name, kNetworkTimeout);
  EXPECT_EQ(denied.error().failure, ModemCallFailure::kNoNetwork);

  ASSERT_TRUE(control_->Register("home"));
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.state == ModemState::kRegistered; }));
  struct Case {
    const char* final_result;
    const char* dbus_name;
    ModemCallFailure failure;
  };
  for (const Case& c : {Case{"NO CARRIER", kNoCarrier, ModemCallFailure::kNetworkRejected},
                        Case{"+CME ERROR: 133", kNotSubscribed, ModemCallFailure::kNetworkRejected}}) {
    SCOPED_TRACE(c.final_result);
    ASSERT_TRUE(control_->RefuseConnect(c.final_result));
    auto refused = Connect();
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().dbus_name, c.dbus_name);
    EXPECT_EQ(refused.error().failure, c.failure);
    // The failed bearer stays and carries the same error in ConnectionError.
    EXPECT_TRUE(WaitModem([&](const ModemInfo& m) {
      return m.state == ModemState::kRegistered && m.bearers.size() == 1 &&
             m.bearers[0].connection_error_name == c.dbus_name && !m.bearers[0].connected;
    })) << "bearers " << Modem().bearers.size();
  }
  ASSERT_TRUE(control_->RefuseConnect(""));
  auto connected = Connect();
  ASSERT_TRUE(connected) << modem::DescribeModemCallError(connected.error());
  EXPECT_TRUE(WaitModem([&](const ModemInfo& m) {
    const BearerInfo* b = m.FindBearer(*connected);
    return b && b->connected && b->connection_error_name.empty();
  }));
}

TEST_F(RealModemManagerContractTest, SignalChangesAndExtendedSignal) {
  StartModemManager();
  EnableAndRegister();
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal_quality == 60; }));
  ASSERT_TRUE(control_->SetSignal(6));
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal_quality == 20; }));
  ASSERT_TRUE(control_->SetSignal(20));
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal_quality == 60; }));

  auto setup = Await([&](auto done) { edge_->SetupSignal(path_, 1, kCallTimeout, std::move(done)); });
  ASSERT_TRUE(setup) << modem::DescribeModemCallError(setup.error());
  // +CESQ rsrp index 60 is -81 dBm, rsrq index 20 is -10 dB.
  ASSERT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal.rsrp_dbm.has_value(); }, 10s));
  EXPECT_NEAR(*Modem().signal.rsrp_dbm, -81.0, 1.0);
  ASSERT_TRUE(Modem().signal.rsrq_db.has_value());
  EXPECT_NEAR(*Modem().signal.rsrq_db, -10.0, 1.0);
  ASSERT_TRUE(control_->SetSignal(10));
  EXPECT_TRUE(WaitModem([](const ModemInfo& m) { return m.signal.rsrp_dbm && *m.signal.rsrp_dbm < -110.0; }, 10s));
}

}  // namespace
}  // namespace uplinkd::realmm
