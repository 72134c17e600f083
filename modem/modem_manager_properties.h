#pragma once
// Translates ModemManager's D-Bus properties (sdbus-c++ variants, MM's numeric enums) into the
// modem layer's value types, and ConnectSettings into Simple.Connect's dictionary. Internal to
// the sdbus edge: domain code never includes this header.
#include <map>
#include <string>

#include <sdbus-c++/Types.h>

#include "modem/modem_manager_edge.h"

namespace uplinkd::modem::mm {

using PropertyMap = std::map<std::string, sdbus::Variant>;

inline constexpr const char* kService = "org.freedesktop.ModemManager1";
inline constexpr const char* kManagerPath = "/org/freedesktop/ModemManager1";
inline constexpr const char* kModemInterface = "org.freedesktop.ModemManager1.Modem";
inline constexpr const char* kModem3gppInterface = "org.freedesktop.ModemManager1.Modem.Modem3gpp";
inline constexpr const char* kSignalInterface = "org.freedesktop.ModemManager1.Modem.Signal";
inline constexpr const char* kSimInterface = "org.freedesktop.ModemManager1.Sim";
inline constexpr const char* kBearerInterface = "org.freedesktop.ModemManager1.Bearer";

ModemState ModemStateFromMm(int32_t value);
RegistrationState RegistrationFromMm(uint32_t value);
AccessTechnology AccessTechnologyFromMm(uint32_t bits);
SimLock SimLockFromMm(uint32_t value);
ModemFailedReason FailedReasonFromMm(uint32_t value);
BearerIpMethod BearerIpMethodFromMm(uint32_t value);

// What a batch of Modem-interface properties changed beyond the snapshot itself.
struct ModemPropertyEffects {
  bool sim_path_changed = false;
  bool bearers_changed = false;
};

// Applies properties of org.freedesktop.ModemManager1.Modem to `info`; `bearer_paths` receives
// the Bearers list when present.
ModemPropertyEffects ApplyModemProperties(const PropertyMap& properties, ModemInfo& info,
                                          std::vector<std::string>& bearer_paths);
void ApplyModem3gppProperties(const PropertyMap& properties, ModemInfo& info);

// Modem.Signal keeps one dictionary per access technology ("Lte", "Nr5g", "Umts", "Gsm").
using SignalByTechnology = std::map<std::string, SignalDetails>;
void ApplySignalProperties(const PropertyMap& properties, SignalByTechnology& signal);
// The values of the technology in use (5G, then LTE, UMTS, GSM when that one is unknown).
SignalDetails SelectSignal(const SignalByTechnology& signal, AccessTechnology technology);

void ApplySimProperties(const PropertyMap& properties, ModemInfo& info);
void ApplyBearerProperties(const PropertyMap& properties, BearerInfo& bearer);

// Simple.Connect's a{sv} for these settings (password included; never log the result).
PropertyMap ConnectProperties(const ConnectSettings& settings);

}  // namespace uplinkd::modem::mm
