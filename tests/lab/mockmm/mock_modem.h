#pragma once
// The state model of one emulated cellular modem, as ModemManager 1.20 presents it: modem state
// machine, SIM lock, 3GPP registration, bearers, signal and SMS, plus the lab's fault injection.
// Pure C++: no D-Bus here. Time comes from an injected Scheduler, so tests drive it with a fake
// clock; every change is reported to a MockModemObserver.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/scheduler.h"
#include "tests/lab/mockmm/mock_config.h"
#include "tests/lab/mockmm/mock_error.h"
#include "tests/lab/mockmm/mock_modem_observer.h"

namespace uplinkd::lab {

// Object numbers for /org/freedesktop/ModemManager1/{Modem,Bearer,SIM,SMS}/N: one counter per
// kind, shared by all modems, counting up from 0 and never reused (as in ModemManager).
struct MockDbusIds {
  uint32_t next_modem = 0;
  uint32_t next_bearer = 0;
  uint32_t next_sim = 0;
  uint32_t next_sms = 0;
};

enum class BearerStatus { kDisconnected, kConnecting, kConnected, kDisconnecting };

struct MockBearer {
  uint32_t dbus_id = 0;
  // What the client asked for (Simple.Connect or CreateBearer properties).
  std::string apn;
  uint32_t ip_type = 0;  // MMBearerIpFamily, resolved (never NONE)
  std::optional<bool> allow_roaming;
  std::optional<uint32_t> allowed_auth;
  std::optional<std::string> user;
  std::optional<std::string> password;

  BearerStatus status = BearerStatus::kDisconnected;
  bool connected = false;  // the Connected property (status == kConnected)
  std::string interface;  // the network interface while connected, else ""
  bool ipv4_up = false;   // Ip4Config carries the modem's IPv4 settings
  bool ipv6_up = false;
  std::string error_name;  // ConnectionError; both empty when there is none
  std::string error_message;
  int32_t profile_id = -1;  // MM_3GPP_PROFILE_ID_UNKNOWN while disconnected
  uint32_t attempts = 0;
  uint32_t failed_attempts = 0;
  uint64_t start_date = 0;  // unix seconds of the last successful connection

  // An attempt (status kConnecting) or a disconnection (kDisconnecting) in flight.
  TimerHandle step;
  std::function<void(MockStatus)> on_done;
};

struct MockSms {
  uint32_t dbus_id = 0;
  std::string number;
  std::string text;
  uint32_t state = 0;     // MMSmsState
  uint32_t pdu_type = 0;  // MMSmsPduType
  uint32_t storage = 0;   // MMSmsStorage
  std::string timestamp;  // ISO 8601, received messages only
  std::string smsc;
  bool delivery_report_request = false;
  int32_t sms_class = -1;
};

struct MockSignalValues {
  double rssi = 0;
  double rsrp = 0;
  double rsrq = 0;
  double snr = 0;
  bool operator==(const MockSignalValues&) const = default;
};

// What the client passed to Simple.Connect, already checked for unknown keys and types.
struct ConnectRequest {
  std::string apn;
  std::optional<uint32_t> ip_type;
  std::optional<bool> allow_roaming;
  std::optional<uint32_t> allowed_auth;
  std::optional<std::string> user;
  std::optional<std::string> password;
  std::optional<std::string> pin;
  std::optional<std::string> operator_id;
};

// The registration the (emulated) network grants once the modem searches.
enum class NetworkRegistration { kHome, kRoaming, kSearching, kIdle, kDenied };
std::optional<NetworkRegistration> NetworkRegistrationFromName(std::string_view name);
// ModemManager's nick for an MMModemState ("registered", "connected", ...).
const char* ModemStateName(int32_t state);

struct MockModemEnvironment {
  Scheduler& scheduler;
  MockDbusIds& ids;
  MockModemObserver& observer;
  std::function<std::chrono::system_clock::time_point()> wall_clock;
};

class MockModem {
 public:
  using Done = std::function<void(MockStatus)>;
  using ConnectDone = std::function<void(MockResult<uint32_t>)>;

  // How long a Simple.Connect waits for registration before failing, as in ModemManager.
  static constexpr std::chrono::seconds kRegistrationWait{60};
  // A connected bearer survives this long without registration before it is torn down.
  static constexpr std::chrono::seconds kDeferredUnregistration{15};
  // A Reset() modem comes back (at a new object path) after this long.
  static constexpr std::chrono::milliseconds kResetTime{300};
  // A signal quality reading counts as recent this long (ModemManager's
  // SIGNAL_QUALITY_RECENT_TIMEOUT_SEC); an enabled modem keeps refreshing it.
  static constexpr std::chrono::seconds kSignalRecent{60};
  static constexpr uint32_t kMaxBearers = 8;
  static constexpr uint32_t kMaxActiveBearers = 1;

  MockModem(MockModemConfig config, uint32_t index, MockModemEnvironment environment);
  ~MockModem();
  MockModem(const MockModem&) = delete;
  MockModem& operator=(const MockModem&) = delete;

  // USB plug events. Plug() gives the modem and its SIM fresh object numbers.
  void Plug();
  void Unplug();

  // --- org.freedesktop.ModemManager1.Modem
  void Enable(bool enable, Done done);
  MockResult<uint32_t> CreateBearer(const ConnectRequest& request);
  MockStatus DeleteBearer(uint32_t bearer_id);
  MockStatus Reset();
  MockStatus SetPowerState(uint32_t power_state);

  // --- org.freedesktop.ModemManager1.Modem.Simple
  void SimpleConnect(ConnectRequest request, ConnectDone done);
  // nullopt: every bearer (the path "/").
  void SimpleDisconnect(std::optional<uint32_t> bearer_id, Done done);

  // --- org.freedesktop.ModemManager1.Modem.Modem3gpp
  MockStatus RegisterWithOperator(const std::string& operator_id);

  // --- org.freedesktop.ModemManager1.Modem.Signal
  MockStatus SetupSignal(uint32_t rate);
  MockStatus SetupSignalThresholds(std::optional<uint32_t> rssi_threshold, std::optional<bool> error_rate_threshold);

  // --- org.freedesktop.ModemManager1.Modem.Messaging and .Sms
  MockResult<uint32_t> CreateSms(const std::string& number, const std::string& text);
  MockStatus DeleteSms(uint32_t sms_id);
  MockStatus SendSms(uint32_t sms_id);
  MockStatus StoreSms(uint32_t sms_id, uint32_t storage);

  // --- org.freedesktop.ModemManager1.Bearer
  void BearerConnect(uint32_t bearer_id, Done done);
  void BearerDisconnect(uint32_t bearer_id, Done done);

  // --- org.freedesktop.ModemManager1.Sim
  MockStatus SendPin(const std::string& pin);
  MockStatus SendPuk(const std::string& puk, const std::string& new_pin);
  MockStatus EnablePin(const std::string& pin, bool enabled);
  MockStatus ChangePin(const std::string& old_pin, const std::string& new_pin);

  // --- Lab fault injection (org.uplinkd.Lab.MockModemManager1)
  void NetworkDetach();
  void SetNetworkRegistration(NetworkRegistration registration);
  MockStatus DropBearer(const std::string& error_name, const std::string& message);
  void RequirePin(const std::string& pin);
  void RefuseConnect(const std::string& error_name, const std::string& message);
  void SetConnectDelay(std::chrono::milliseconds delay);
  void SetSignal(uint32_t quality, MockSignalValues values);
  MockStatus ReceiveSms(const std::string& number, const std::string& text);

  // --- What the D-Bus getters read
  const MockModemConfig& config() const { return config_; }
  uint32_t index() const { return index_; }  // position in the lab config, for port names
  bool present() const { return present_; }
  uint32_t dbus_id() const { return modem_dbus_id_; }
  uint32_t sim_dbus_id() const { return sim_dbus_id_; }
  int32_t state() const { return state_; }
  uint32_t lock() const { return lock_; }
  uint32_t pin_retries() const { return pin_retries_; }
  uint32_t puk_retries() const { return puk_retries_; }
  bool pin_enabled() const { return pin_enabled_; }
  bool sim_identity_loaded() const { return sim_identity_loaded_; }
  uint32_t registration_state() const { return registration_state_; }  // MMModem3gppRegistrationState
  uint32_t access_technologies() const { return access_technologies_; }
  uint32_t signal_quality() const { return signal_quality_; }
  bool signal_recent() const { return signal_recent_; }
  uint32_t power_state() const { return power_state_; }
  const std::string& operator_code() const { return exposed_operator_code_; }
  const std::string& operator_name() const { return exposed_operator_name_; }
  uint32_t packet_service_state() const { return packet_service_state_; }
  uint32_t signal_rate() const { return signal_rate_; }
  uint32_t rssi_threshold() const { return rssi_threshold_; }
  bool error_rate_threshold() const { return error_rate_threshold_; }
  // Extended signal values are reported only while enabled and polled (Setup with a rate > 0).
  bool signal_values_reported() const;
  const MockSignalValues& signal_values() const { return signal_values_; }
  const char* SignalPropertyForTechnology() const;  // "Lte", "Nr5g", "Umts" or "Gsm"
  // The interfaces the modem object carries now. ModemManager 1.20 stops initializing at a SIM
  // lock with Modem, Simple and Modem3gpp exported, and re-runs it after the unlock.
  const std::vector<ModemInterface>& Interfaces() const { return interfaces_; }
  bool HasInterface(ModemInterface interface) const;

  const std::vector<std::unique_ptr<MockBearer>>& bearers() const { return bearers_; }
  const MockBearer* FindBearer(uint32_t bearer_id) const;
  const std::vector<std::unique_ptr<MockSms>>& messages() const { return messages_; }
  const MockSms* FindSms(uint32_t sms_id) const;

  // The state's nick, or "removed" while unplugged.
  std::string StateName() const;

 private:
  enum class Phase { kIdle, kInitializing, kEnabling, kDisabling };
  struct ConnectOperation;

  MockBearer* MutableBearer(uint32_t bearer_id);
  MockSms* MutableSms(uint32_t sms_id);
  int32_t ComputeState() const;
  void UpdateState(uint32_t reason);
  void ApplyRegistration();
  void ClearRegistration();
  void CheckRegistrationForBearers();
  void ForceDisconnectAll(const std::string& error_name, const std::string& message);
  void FailAllOperations(const MockError& error);
  void SetBearerDisconnected(MockBearer& bearer);
  void StartEnable(Done done);
  void FinishInitialization();
  void SetInterfaces(std::vector<ModemInterface> interfaces);
  void SetSignalQuality(uint32_t quality, bool recent);
  void FinishEnable();
  void FinishDisable();
  void UnplugNow();
  void FinishConnect(const std::shared_ptr<ConnectOperation>& operation, MockResult<uint32_t> result);
  void ResumeConnectsWaitingForRegistration();
  void RemoveBearerAt(size_t position);
  void SetLock(uint32_t lock);
  void SetSimIdentityLoaded(bool loaded);
  void ConnectStep(std::shared_ptr<ConnectOperation> operation);
  void StartBearerConnect(MockBearer& bearer, Done done);
  void FinishBearerConnect(uint32_t bearer_id);
  MockBearer* FindMatchingBearer(const ConnectRequest& request);
  MockResult<MockBearer*> AddBearer(const ConnectRequest& request);
  uint32_t ResolveIpType(std::optional<uint32_t> requested) const;
  bool IsRegistered() const;
  void NotifySignalValues();

  template <typename T>
  void Update(T& field, T value, ModemInterface interface, const char* property) {
    if (field == value) return;
    field = std::move(value);
    if (present_) observer_.ModemPropertyChanged(*this, interface, property);
  }
  template <typename T>
  void UpdateBearer(MockBearer& bearer, T& field, T value, const char* property) {
    if (field == value) return;
    field = std::move(value);
    observer_.BearerPropertyChanged(*this, bearer, property);
  }

  MockModemConfig config_;
  uint32_t index_;
  Scheduler& scheduler_;
  MockDbusIds& ids_;
  MockModemObserver& observer_;
  std::function<std::chrono::system_clock::time_point()> wall_clock_;

  bool present_ = false;
  uint32_t modem_dbus_id_ = 0;
  uint32_t sim_dbus_id_ = 0;
  Phase phase_ = Phase::kIdle;
  bool enabled_ = false;
  int32_t state_ = 0;  // MMModemState
  TimerHandle phase_step_;
  std::vector<Done> phase_waiters_;  // calls waiting for initializing, enabling or disabling to end
  std::vector<ModemInterface> interfaces_;

  // SIM
  std::string sim_pin_;
  std::string sim_puk_;
  bool pin_enabled_ = false;
  uint32_t lock_ = 1;  // MMModemLock
  uint32_t pin_retries_ = 3;
  uint32_t puk_retries_ = 10;
  bool sim_identity_loaded_ = false;

  // Network as the lab sets it, and what the modem shows of it.
  NetworkRegistration network_ = NetworkRegistration::kHome;
  uint32_t registration_state_ = 4;  // MM_MODEM_3GPP_REGISTRATION_STATE_UNKNOWN
  std::string exposed_operator_code_;
  std::string exposed_operator_name_;
  uint32_t access_technologies_ = 0;
  uint32_t packet_service_state_ = 0;
  uint32_t signal_quality_ = 0;
  bool signal_recent_ = false;
  TimerHandle signal_recent_timeout_;
  uint32_t configured_quality_ = 0;
  uint32_t power_state_ = 2;  // MM_MODEM_POWER_STATE_LOW
  uint32_t signal_rate_ = 0;
  uint32_t rssi_threshold_ = 0;
  bool error_rate_threshold_ = false;
  MockSignalValues signal_values_;
  std::optional<MockSignalValues> reported_signal_;  // what the Signal interface shows now
  TimerHandle deferred_unregistration_;

  // Faults
  std::optional<MockError> refuse_connect_;
  std::chrono::milliseconds connect_delay_{0};

  std::vector<std::unique_ptr<MockBearer>> bearers_;
  std::vector<std::unique_ptr<MockSms>> messages_;
  std::vector<std::shared_ptr<ConnectOperation>> connects_;
  TimerHandle reset_timer_;
};

}  // namespace uplinkd::lab
