#pragma once
// ModemManager as the modem layer needs it, in our own value types. The edge discovers modems,
// keeps a snapshot of each (modem, 3GPP, signal, SIM identity and all its bearers) current from
// signals, and makes method calls that always answer asynchronously, within a timeout.
//
// Real implementation: SdbusModemManagerEdge (sdbus-c++ proxies generated from ModemManager's
// XML). Fake: FakeModemManager (in memory, same state machine and errors, test clock).
//
// Callbacks and listener calls always come later from the event loop, never from inside the call
// that caused them, so a caller may call the edge again from a callback.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "modem/modem_profile.h"
#include "modem/modem_wan_state.h"

namespace uplinkd::modem {

// Why a lock keeps the modem from being enabled (ModemManager's UnlockRequired, folded).
enum class SimLock { kUnknown, kNone, kSimPin, kSimPuk, kOther };

// ModemManager's StateFailedReason: why a modem sits in state FAILED.
enum class ModemFailedReason { kNone, kUnknown, kSimMissing, kSimError, kOther };

// How the host must configure the data interface of a connected bearer (MMBearerIpMethod).
enum class BearerIpMethod { kUnknown, kPpp, kStatic, kDhcp };

struct BearerInfo {
  std::string path;
  bool connected = false;
  std::string interface;
  BearerIpMethod ipv4_method = BearerIpMethod::kUnknown;
  BearerIpMethod ipv6_method = BearerIpMethod::kUnknown;
  std::optional<BearerIpConfig> ipv4;  // present when the method is STATIC and an address is set
  std::optional<BearerIpConfig> ipv6;
  // The last ConnectionError ModemManager reported (D-Bus error name and message); empty if none.
  std::string connection_error_name;
  std::string connection_error_message;
  std::string apn;  // from the bearer's Properties
  friend bool operator==(const BearerInfo&, const BearerInfo&) = default;
};

// One modem object as ModemManager currently describes it.
struct ModemInfo {
  std::string path;  // D-Bus object path: changes on every re-probe, never an identity

  // Stable identity.
  std::string equipment_identifier;  // IMEI for 3GPP modems
  std::string device;                // physical device (sysfs path)
  std::string sim_path;              // empty when no SIM object
  std::string iccid;                 // empty until the SIM object has been read, or no SIM

  std::string manufacturer;
  std::string model;

  ModemState state = ModemState::kUnknown;
  ModemFailedReason failed_reason = ModemFailedReason::kNone;
  SimLock unlock_required = SimLock::kUnknown;
  std::optional<uint32_t> pin_retries;  // UnlockRetries for SIM-PIN, when reported

  RegistrationState registration = RegistrationState::kUnknown;
  std::string operator_code;
  std::string operator_name;
  AccessTechnology access_technology = AccessTechnology::kUnknown;
  uint32_t signal_quality = 0;
  SignalDetails signal;

  std::vector<BearerInfo> bearers;  // every bearer listed by the modem whose properties are known

  const BearerInfo* FindBearer(std::string_view bearer_path) const;
  friend bool operator==(const ModemInfo&, const ModemInfo&) = default;
};

// What went wrong with a call, classified for decisions; the D-Bus error name is kept for logs.
enum class ModemCallFailure {
  kTimeout,           // no answer within the timeout: the modem (or ModemManager) hangs
  kGone,              // the object or ModemManager itself disappeared
  kIncorrectPin,      // the SIM refused the PIN: never send it again
  kPukRequired,       // the SIM is PUK-locked: only an operator can help
  kSimMissing,
  kSimFailure,        // SIM present but unusable
  kNetworkRejected,   // the network refused the connection (APN, subscription, authentication)
  kNoNetwork,         // not registered or no service
  kWrongState,        // the modem is not in a state that allows the call (yet)
  kInProgress,        // the same operation is already running
  kOther,
};

struct ModemCallError {
  ModemCallFailure failure = ModemCallFailure::kOther;
  std::string dbus_name;  // e.g. org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword
  std::string message;
  friend bool operator==(const ModemCallError&, const ModemCallError&) = default;
};

template <typename T>
using ModemCallResult = tl::expected<T, ModemCallError>;

// Classifies a D-Bus error name from ModemManager (or from the bus) into a ModemCallFailure.
ModemCallFailure ClassifyModemManagerError(std::string_view dbus_error_name);
ModemCallError MakeModemCallError(std::string dbus_error_name, std::string message);
const char* ModemCallFailureName(ModemCallFailure failure);
std::string DescribeModemCallError(const ModemCallError& error);

// What Simple.Connect is called with (the password already read from its file).
struct ConnectSettings {
  std::string apn;
  BearerIpType ip_type = BearerIpType::kIpv4;
  std::vector<AuthMethod> allowed_auth;
  std::string user;
  std::string password;
  bool allow_roaming = false;
};

class ModemManagerEdge {
 public:
  // How the edge reports discovery and changes. All three are called from the event loop.
  struct Listener {
    // A modem appeared or anything in its snapshot changed (a full, current snapshot each time).
    std::function<void(const ModemInfo&)> modem_updated;
    // A modem object went away (USB reset, unplug, ModemManager stopped).
    std::function<void(const std::string& modem_path)> modem_removed;
  };
  using Done = std::function<void(ModemCallResult<void>)>;
  using Connected = std::function<void(ModemCallResult<std::string /*bearer path*/>)>;
  using Timeout = std::chrono::milliseconds;

  virtual ~ModemManagerEdge() = default;

  // Starts discovery (ObjectManager.GetManagedObjects, then its signals). Every modem already
  // present is reported through modem_updated. Called again (a new fleet after a configuration
  // reload), it replaces the listener and reports every known modem to the new one.
  virtual void Start(Listener listener) = 0;

  virtual void SendPin(const std::string& modem_path, const std::string& pin, Timeout timeout, Done done) = 0;
  virtual void Enable(const std::string& modem_path, bool enable, Timeout timeout, Done done) = 0;
  virtual void Connect(const std::string& modem_path, const ConnectSettings& settings, Timeout timeout,
                       Connected done) = 0;
  virtual void Disconnect(const std::string& modem_path, const std::string& bearer_path, Timeout timeout,
                          Done done) = 0;
  virtual void Reset(const std::string& modem_path, Timeout timeout, Done done) = 0;
  // Modem.Signal.Setup: extended signal values every `rate` seconds (0 disables).
  virtual void SetupSignal(const std::string& modem_path, uint32_t rate_seconds, Timeout timeout, Done done) = 0;
};

}  // namespace uplinkd::modem
