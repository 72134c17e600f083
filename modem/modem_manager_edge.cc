#include "modem/modem_manager_edge.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace uplinkd::modem {
namespace {

constexpr std::string_view kMobileEquipment = "org.freedesktop.ModemManager1.Error.MobileEquipment.";
constexpr std::string_view kCore = "org.freedesktop.ModemManager1.Error.Core.";
constexpr std::string_view kConnection = "org.freedesktop.ModemManager1.Error.Connection.";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool OneOf(std::string_view name, std::initializer_list<std::string_view> names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

ModemCallFailure ClassifyMobileEquipment(std::string_view name) {
  if (name == "IncorrectPassword") return ModemCallFailure::kIncorrectPin;
  if (OneOf(name, {"SimPuk", "SimPuk2", "PhFsimPuk"})) return ModemCallFailure::kPukRequired;
  if (name == "SimNotInserted") return ModemCallFailure::kSimMissing;
  if (OneOf(name, {"SimFailure", "SimWrong", "SimBusy"})) return ModemCallFailure::kSimFailure;
  if (OneOf(name, {"NoNetwork", "NetworkTimeout", "NoCellsInArea", "TemporarilyOutOfService"})) {
    return ModemCallFailure::kNoNetwork;
  }
  // The network (or the subscription) refused the data session: APN, authentication, barring.
  if (OneOf(name, {"MissingOrUnknownApn", "UserAuthenticationFailed", "ServiceOptionNotSubscribed",
                   "ServiceOptionNotSupported", "ServiceOptionNotAuthorizedInPlmn", "PdpAuthFailure",
                   "RequestedApnNotSupported", "ActivationRejectedByGgsnOrGw", "ActivationRejectedUnspecified",
                   "UnknownPdpAddressOrType", "OperatorDeterminedBarring", "NetworkNotAllowed",
                   "PsServicesNotAllowed", "PsServicesNotAllowedInPlmn", "PlmnNotAllowed",
                   "RoamingNotAllowedInArea", "AreaNotAllowed", "IllegalMe", "IllegalUe",
                   "Ipv4OnlyAllowed", "Ipv6OnlyAllowed", "Ipv4v6OnlyAllowed", "ApnRestrictionIncompatible"})) {
    return ModemCallFailure::kNetworkRejected;
  }
  return ModemCallFailure::kOther;
}

}  // namespace

const BearerInfo* ModemInfo::FindBearer(std::string_view bearer_path) const {
  for (const auto& bearer : bearers) {
    if (bearer.path == bearer_path) return &bearer;
  }
  return nullptr;
}

ModemCallFailure ClassifyModemManagerError(std::string_view name) {
  if (StartsWith(name, kMobileEquipment)) return ClassifyMobileEquipment(name.substr(kMobileEquipment.size()));
  if (StartsWith(name, kCore)) {
    std::string_view core = name.substr(kCore.size());
    if (OneOf(core, {"WrongState", "WrongSimState", "Retry", "Connected"})) return ModemCallFailure::kWrongState;
    if (core == "InProgress") return ModemCallFailure::kInProgress;
    if (core == "NotFound") return ModemCallFailure::kGone;
    return ModemCallFailure::kOther;
  }
  if (StartsWith(name, kConnection)) return ModemCallFailure::kNetworkRejected;
  if (OneOf(name, {"org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.Timeout",
                   "org.freedesktop.DBus.Error.TimedOut"})) {
    return ModemCallFailure::kTimeout;
  }
  if (OneOf(name, {"org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod",
                   "org.freedesktop.DBus.Error.UnknownInterface", "org.freedesktop.DBus.Error.ServiceUnknown",
                   "org.freedesktop.DBus.Error.NameHasNoOwner", "org.freedesktop.DBus.Error.Disconnected"})) {
    return ModemCallFailure::kGone;
  }
  return ModemCallFailure::kOther;
}

ModemCallError MakeModemCallError(std::string dbus_error_name, std::string message) {
  ModemCallFailure failure = ClassifyModemManagerError(dbus_error_name);
  return ModemCallError{failure, std::move(dbus_error_name), std::move(message)};
}

const char* ModemCallFailureName(ModemCallFailure failure) {
  switch (failure) {
    case ModemCallFailure::kTimeout: return "timeout";
    case ModemCallFailure::kGone: return "gone";
    case ModemCallFailure::kIncorrectPin: return "incorrect-pin";
    case ModemCallFailure::kPukRequired: return "puk-required";
    case ModemCallFailure::kSimMissing: return "sim-missing";
    case ModemCallFailure::kSimFailure: return "sim-failure";
    case ModemCallFailure::kNetworkRejected: return "network-rejected";
    case ModemCallFailure::kNoNetwork: return "no-network";
    case ModemCallFailure::kWrongState: return "wrong-state";
    case ModemCallFailure::kInProgress: return "in-progress";
    case ModemCallFailure::kOther: return "other";
  }
  return "?";
}

std::string DescribeModemCallError(const ModemCallError& error) {
  if (error.message.empty()) return fmt::format("{} ({})", ModemCallFailureName(error.failure), error.dbus_name);
  return fmt::format("{}: {} ({})", ModemCallFailureName(error.failure), error.message, error.dbus_name);
}

}  // namespace uplinkd::modem
