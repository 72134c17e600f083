#pragma once
// Configuration of one modem as the daemon's TOML parser fills it: which physical modem it is,
// how to unlock and connect it, and how hard to try when it fails. Plain values, no I/O; the
// secrets themselves (PIN, password) are never stored here, only the paths of the files that
// hold them (read at use by ReadSecretFile, which checks ownership and mode).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "net/ip_prefix.h"

namespace uplinkd::modem {

// How a configured name is bound to a physical modem. Never the D-Bus object path: that changes
// every time ModemManager re-probes the modem (USB reset, suspend, firmware crash).
enum class ModemMatchKind {
  kImei,    // Modem.EquipmentIdentifier
  kDevice,  // Modem.Device (the physical sysfs path of the USB/PCI device)
  kIccid,   // Sim.SimIdentifier of the SIM in the modem
};

struct ModemMatch {
  ModemMatchKind kind = ModemMatchKind::kImei;
  std::string value;
  friend bool operator==(const ModemMatch&, const ModemMatch&) = default;
};

enum class BearerIpType { kIpv4, kIpv6, kIpv4v6 };

// One authentication protocol the bearer may use (ModemManager's MMBearerAllowedAuth flags).
enum class AuthMethod { kNone, kPap, kChap, kMschap, kMschapv2, kEap };

struct ApnProfile {
  std::string apn;
  BearerIpType ip_type = BearerIpType::kIpv4;
  std::vector<AuthMethod> allowed_auth;  // empty: let the modem choose
  std::string user;
  std::string password_file;  // empty: no password; otherwise read at connect time
  bool allow_roaming = false;

  // Private APN: what the operator promised for this SIM.
  std::optional<net::IpAddress> expected_ipv4;   // fixed IP; a different address is reported
  std::vector<net::IpPrefix> private_prefixes;   // reachable only through this APN
  std::vector<net::IpAddress> dns;               // replaces the DNS servers the bearer reports

  friend bool operator==(const ApnProfile&, const ApnProfile&) = default;
};

// How a supervisor recovers. Defaults suit a gateway in the field: quick first retry, bounded
// so a bad cell does not hammer the network, escalation before the modem is declared stuck.
struct RecoverySettings {
  std::chrono::milliseconds backoff_initial{1000};
  std::chrono::milliseconds backoff_max{60000};
  double backoff_multiplier = 2.0;
  double backoff_jitter = 0.2;  // each delay is scaled by a random factor in [1-j, 1+j]
  // After this many failed connects within `escalation_window`, cycle the modem (disable,
  // enable); the next time the same happens, Modem.Reset.
  uint32_t attempts_before_escalation = 5;
  std::chrono::milliseconds escalation_window{std::chrono::minutes(10)};
  // Upper bound of every D-Bus call (a hung modem must never block anything else).
  std::chrono::milliseconds call_timeout{std::chrono::seconds(30)};
  // Simple.Connect may legitimately take long (attach + PDP activation).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(120)};
  // Waiting for 3GPP registration after enable before it counts as a failed attempt.
  std::chrono::milliseconds registration_timeout{std::chrono::seconds(180)};
  // A DHCP or PPP bearer: how long the helper (udhcpc, pppd) may take to bring up the IP
  // configuration, after the connect and after a lost lease, before the attempt counts as failed.
  std::chrono::milliseconds ip_config_timeout{std::chrono::seconds(30)};

  friend bool operator==(const RecoverySettings&, const RecoverySettings&) = default;
};

struct ModemProfile {
  std::string name;  // "modem1": the Wan's name everywhere else
  ModemMatch match;
  std::string pin_file;  // empty: the SIM needs no PIN (a locked SIM is then reported, not unlocked)
  ApnProfile apn;
  RecoverySettings recovery;
  // Modem.Signal.Setup rate; 0 leaves extended signal reporting off.
  std::chrono::seconds signal_refresh_rate{10};
  // pppd's unit for a PPP bearer (interface pppN); unset: the fleet uses the profile's position.
  std::optional<uint32_t> ppp_unit;

  friend bool operator==(const ModemProfile&, const ModemProfile&) = default;
};

const char* ModemMatchKindName(ModemMatchKind kind);  // "imei" | "device" | "iccid"
const char* BearerIpTypeName(BearerIpType type);      // "ipv4" | "ipv6" | "ipv4v6"
const char* AuthMethodName(AuthMethod method);        // "none" | "pap" | "chap" | ...
std::optional<ModemMatchKind> ParseModemMatchKind(std::string_view text);
std::optional<BearerIpType> ParseBearerIpType(std::string_view text);
std::optional<AuthMethod> ParseAuthMethod(std::string_view text);

}  // namespace uplinkd::modem
