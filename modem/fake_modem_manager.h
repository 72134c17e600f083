#pragma once
// An in-memory ModemManager with the behaviour the modem layer depends on: modem states, SIM PIN
// with a retry counter and PUK lock, registration, Simple.Connect with allowed APNs, bearers with
// STATIC IP configuration, and the faults the lab's mock injects (deregistration, bearer drop,
// modem removed and re-added at a new path, connect refused, slow or hung modem, signal).
//
// Like the real edge, it answers and signals only later, through the Scheduler (a FakeScheduler
// in tests), and a call that gets no answer within its timeout fails with D-Bus NoReply.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "modem/modem_manager_edge.h"

namespace uplinkd::modem {

class FakeModemManager : public ModemManagerEdge {
 public:
  struct ModemSpec {
    std::string id;  // the test's handle ("modem1")
    std::string imei;
    std::string device;
    std::string iccid;
    std::optional<std::string> pin;  // with it the SIM starts locked
    uint32_t pin_retries = 3;
    bool sim_present = true;
    std::string operator_code = "00101";
    std::string operator_name = "Fake Carrier";
    AccessTechnology access_technology = AccessTechnology::kLte;
    uint32_t signal_quality = 70;
    std::vector<std::string> allowed_apns = {"internet"};
    RegistrationState registration_when_enabled = RegistrationState::kHome;
    std::string interface = "wwan0";
    BearerIpMethod ipv4_method = BearerIpMethod::kStatic;
    std::optional<BearerIpConfig> ipv4;
    std::optional<BearerIpConfig> ipv6;
  };

  explicit FakeModemManager(Scheduler& scheduler) : scheduler_(scheduler) {}

  // ModemManagerEdge.
  void Start(Listener listener) override;
  void SendPin(const std::string& modem_path, const std::string& pin, Timeout timeout, Done done) override;
  void Enable(const std::string& modem_path, bool enable, Timeout timeout, Done done) override;
  void Connect(const std::string& modem_path, const ConnectSettings& settings, Timeout timeout,
               Connected done) override;
  void Disconnect(const std::string& modem_path, const std::string& bearer_path, Timeout timeout,
                  Done done) override;
  void Reset(const std::string& modem_path, Timeout timeout, Done done) override;
  void SetupSignal(const std::string& modem_path, uint32_t rate_seconds, Timeout timeout, Done done) override;

  // Control, after the lab mock's fault injection. `id` is ModemSpec::id.
  std::string AddModem(const ModemSpec& spec);  // a new modem (new D-Bus path); returns the path
  std::string AddModem(const std::string& id);  // a removed modem comes back at a new path, disabled
  void RemoveModem(const std::string& id);      // gone (USB reset): pending calls never answer
  void Deregister(const std::string& id);       // registration lost, bearer disconnected
  void Register(const std::string& id, RegistrationState registration);
  void DropBearer(const std::string& id, const std::string& error_name, const std::string& message);
  void RequirePin(const std::string& id, const std::string& pin);
  void RemoveSim(const std::string& id);  // state FAILED, reason sim-missing
  void InsertSim(const std::string& id);
  void RefuseConnect(const std::string& id, const std::string& error_name, const std::string& message);
  void SetConnectDelay(const std::string& id, std::chrono::milliseconds delay);
  void SetEnableDelay(const std::string& id, std::chrono::milliseconds delay);
  void Hang(const std::string& id, bool hung);  // every call on this modem gets no answer
  void SetSignal(const std::string& id, uint32_t quality, const SignalDetails& details);
  void SetBearerIpv4(const std::string& id, const BearerIpConfig& config);
  // After Modem.Reset the modem is gone for this long, then comes back at a new path.
  void SetResetDowntime(std::chrono::milliseconds downtime) { reset_downtime_ = downtime; }

  // Observation.
  std::string PathOf(const std::string& id) const;  // "" while removed
  const ModemInfo* Info(const std::string& id) const;
  uint32_t pin_attempts(const std::string& id) const;
  uint32_t connect_calls(const std::string& id) const;
  uint32_t enable_calls(const std::string& id, bool enable) const;
  uint32_t reset_calls(const std::string& id) const;
  uint32_t signal_setup_rate(const std::string& id) const;

 private:
  struct FakeModem {
    ModemSpec spec;
    ModemInfo info;
    bool present = false;
    bool sim_locked = false;
    std::string current_pin;
    uint32_t pin_retries = 3;
    std::string refuse_error_name;
    std::string refuse_message;
    std::chrono::milliseconds connect_delay{0};
    std::chrono::milliseconds enable_delay{0};
    bool hung = false;
    uint64_t incarnation = 0;  // bumps on removal: answers for an earlier incarnation are dropped
    uint32_t pin_attempts = 0;
    uint32_t connect_calls = 0;
    uint32_t enable_calls = 0;
    uint32_t disable_calls = 0;
    uint32_t reset_calls = 0;
    uint32_t signal_rate = 0;
  };

  FakeModem* FindByPath(const std::string& path);
  FakeModem& Get(const std::string& id);
  const FakeModem& Get(const std::string& id) const;
  void Later(std::chrono::milliseconds delay, std::function<void()> action);
  void Emit(FakeModem& modem);
  void SetState(FakeModem& modem, ModemState state);
  void ApplyRegistration(FakeModem& modem, RegistrationState registration);
  void DisconnectBearers(FakeModem& modem);
  void ResetToPowerOn(FakeModem& modem);
  // Delivers `answer` after `delay` unless the modem hangs, vanishes first, or the timeout passes
  // first (then NoReply at the timeout, and the work still happens, as with a real slow modem).
  void Answer(FakeModem& modem, std::chrono::milliseconds delay, Timeout timeout,
              std::function<void()> work, std::function<void(std::optional<ModemCallError>)> reply);

  Scheduler& scheduler_;
  Listener listener_;
  bool started_ = false;
  std::map<std::string, FakeModem> modems_;  // by id
  uint32_t next_modem_index_ = 0;
  uint32_t next_bearer_index_ = 0;
  uint32_t next_sim_index_ = 0;
  std::chrono::milliseconds reset_downtime_{2000};
  uint64_t next_timer_ = 0;
  std::map<uint64_t, TimerHandle> timers_;
};

}  // namespace uplinkd::modem
