#pragma once
// What the modem layer tells the policy layer about one configured modem: is it a usable Wan,
// through which interface and addresses, how good is the radio, and what went wrong last.
// Published (as a whole value) every time anything in it changes; a lost bearer or registration
// is published at once, since it is the fastest failover signal there is.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "net/ip_prefix.h"

namespace uplinkd::modem {

// ModemManager's MMModemState, in our own type.
enum class ModemState {
  kFailed,
  kUnknown,
  kInitializing,
  kLocked,
  kDisabled,
  kDisabling,
  kEnabling,
  kEnabled,
  kSearching,
  kRegistered,
  kDisconnecting,
  kConnecting,
  kConnected,
};

// ModemManager's MMModem3gppRegistrationState, folded to what decisions need.
enum class RegistrationState {
  kUnknown,
  kIdle,       // not registered, not searching
  kSearching,
  kDenied,
  kHome,
  kRoaming,
  kOther,      // SMS-only, emergency-only, ...: registered but no data service
};

// The best radio access technology the modem reports (highest generation wins).
enum class AccessTechnology { kUnknown, kGsm, kUmts, kLte, kLteCatM, kNbIot, k5gNr };

// Where the supervisor is in its own state machine (see docs/modem.md).
enum class SupervisorPhase {
  kAbsent,                  // no modem with the configured identity is present
  kUnlocking,               // SIM-PIN sent, waiting for the answer
  kEnabling,
  kWaitingForRegistration,
  kConnecting,              // Simple.Connect in flight
  kConfiguring,             // bearer up, waiting for its DHCP lease or PPP link (helper running)
  kConnected,               // bearer up and its IP configuration applied: the Wan is usable
  kBackingOff,              // waiting before the next connect attempt
  kCycling,                 // escalation 1: disable then enable
  kResetting,               // escalation 2: Modem.Reset, waiting for the modem to come back
  kNeedsOperator,           // stopped: PIN rejected, PUK needed, SIM missing, bad config
};

struct BearerIpConfig {
  net::IpPrefix address;  // the address with its prefix length
  std::optional<net::IpAddress> gateway;
  std::vector<net::IpAddress> dns;
  uint32_t mtu = 0;  // 0: not reported
  friend bool operator==(const BearerIpConfig&, const BearerIpConfig&) = default;
};

struct SignalDetails {
  // Modem.Signal values of the current access technology; absent when not reported.
  std::optional<double> rssi_dbm;
  std::optional<double> rsrp_dbm;
  std::optional<double> rsrq_db;
  std::optional<double> snr_db;
  friend bool operator==(const SignalDetails&, const SignalDetails&) = default;
};

struct ModemCounters {
  uint64_t bearer_drops = 0;       // a connected bearer went away (or registration was lost)
  uint64_t reconnects = 0;         // connect attempts after the first successful connection
  uint64_t connect_failures = 0;
  uint64_t cycles = 0;             // disable/enable escalations
  uint64_t resets = 0;             // Modem.Reset escalations
  uint64_t readoptions = 0;        // the modem vanished and came back (at a new D-Bus path)
  friend bool operator==(const ModemCounters&, const ModemCounters&) = default;
};

struct ModemWanState {
  std::string name;  // the configured name, "modem1"
  SupervisorPhase phase = SupervisorPhase::kAbsent;
  bool wan_up = false;  // the policy layer may route through it

  // The physical modem currently bound (empty while absent).
  std::string imei;
  std::string iccid;
  std::string device;
  std::optional<uint32_t> sim_pin_retries;  // SIM-PIN attempts left, when the modem reports it

  ModemState modem_state = ModemState::kUnknown;
  RegistrationState registration = RegistrationState::kUnknown;
  std::string operator_name;
  std::string operator_code;  // MCC+MNC
  AccessTechnology access_technology = AccessTechnology::kUnknown;
  uint32_t signal_quality = 0;  // percent
  SignalDetails signal;

  bool bearer_connected = false;
  std::string interface;  // the data interface (wwan0), empty until a bearer reports it
  std::optional<BearerIpConfig> ipv4;
  std::optional<BearerIpConfig> ipv6;
  // DNS the Wan should use: the profile's own when configured (private APN), else the bearer's.
  std::vector<net::IpAddress> dns;
  // From the profile: prefixes reachable only through this Wan.
  std::vector<net::IpPrefix> private_prefixes;
  bool fixed_ip_mismatch = false;  // the profile's expected_ipv4 differs from the bearer's

  ModemCounters counters;
  std::string last_error;  // human-readable, empty when none

  friend bool operator==(const ModemWanState&, const ModemWanState&) = default;
};

// Discrete happenings the daemon may log, count or forward (alerts, SMS to the operator).
enum class ModemEventKind {
  kWanUp,
  kWanDown,
  kPinRejected,        // the configured PIN was refused; not retried until the config changes
  kPukRequired,
  kSimMissing,
  kConnectRejected,    // e.g. the APN is not subscribed
  kFixedIpMismatch,
  kEscalatedCycle,
  kEscalatedReset,
  kModemVanished,
  kModemAdopted,
  kUnsupportedBearer,  // a bearer method uplinkd cannot configure (no helper for it)
  // An operator asked (through the command layer) and the supervisor accepted.
  kOperatorResume,
  kOperatorReconnect,
  kOperatorReset,
};

struct ModemEvent {
  std::string name;  // the configured modem name
  ModemEventKind kind = ModemEventKind::kWanDown;
  std::string message;
  friend bool operator==(const ModemEvent&, const ModemEvent&) = default;
};

const char* ModemStateName(ModemState state);
const char* RegistrationStateName(RegistrationState state);
const char* AccessTechnologyName(AccessTechnology technology);
const char* SupervisorPhaseName(SupervisorPhase phase);
const char* ModemEventKindName(ModemEventKind kind);

}  // namespace uplinkd::modem
