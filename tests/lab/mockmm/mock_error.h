#pragma once
// Errors the mock returns to D-Bus callers. They carry ModemManager's own D-Bus error names
// (org.freedesktop.ModemManager1.Error.*), because those names are the API clients match on.
#include <string>

#include <tl/expected.hpp>

namespace uplinkd::lab {

struct MockError {
  std::string name;  // a D-Bus error name
  std::string message;
};

template <typename T>
using MockResult = tl::expected<T, MockError>;
using MockStatus = tl::expected<void, MockError>;

inline tl::unexpected<MockError> MockFailure(std::string name, std::string message) {
  return tl::unexpected<MockError>(MockError{std::move(name), std::move(message)});
}

// The error names the mock uses, spelled as ModemManager 1.20 spells them
// (MM_*_ERROR_DBUS_PREFIX plus the enum nick in ModemManager-errors.h).
namespace mm_error {
inline constexpr const char* kCoreFailed = "org.freedesktop.ModemManager1.Error.Core.Failed";
inline constexpr const char* kCoreCancelled = "org.freedesktop.ModemManager1.Error.Core.Cancelled";
inline constexpr const char* kCoreAborted = "org.freedesktop.ModemManager1.Error.Core.Aborted";
inline constexpr const char* kCoreUnsupported = "org.freedesktop.ModemManager1.Error.Core.Unsupported";
inline constexpr const char* kCoreUnauthorized = "org.freedesktop.ModemManager1.Error.Core.Unauthorized";
inline constexpr const char* kCoreInvalidArgs = "org.freedesktop.ModemManager1.Error.Core.InvalidArgs";
inline constexpr const char* kCoreInProgress = "org.freedesktop.ModemManager1.Error.Core.InProgress";
inline constexpr const char* kCoreWrongState = "org.freedesktop.ModemManager1.Error.Core.WrongState";
inline constexpr const char* kCoreTooMany = "org.freedesktop.ModemManager1.Error.Core.TooMany";
inline constexpr const char* kCoreNotFound = "org.freedesktop.ModemManager1.Error.Core.NotFound";
inline constexpr const char* kIncorrectPassword =
    "org.freedesktop.ModemManager1.Error.MobileEquipment.IncorrectPassword";
inline constexpr const char* kSimPuk = "org.freedesktop.ModemManager1.Error.MobileEquipment.SimPuk";
inline constexpr const char* kNoNetwork = "org.freedesktop.ModemManager1.Error.MobileEquipment.NoNetwork";
inline constexpr const char* kNetworkTimeout = "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkTimeout";
inline constexpr const char* kNetworkNotAllowed =
    "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkNotAllowed";
inline constexpr const char* kServiceOptionNotSubscribed =
    "org.freedesktop.ModemManager1.Error.MobileEquipment.ServiceOptionNotSubscribed";
inline constexpr const char* kIpv4OnlyAllowed = "org.freedesktop.ModemManager1.Error.MobileEquipment.Ipv4OnlyAllowed";
}  // namespace mm_error

// Errors of the lab's own control interface.
namespace lab_error {
inline constexpr const char* kUnknownModem = "org.uplinkd.Lab.Error.UnknownModem";
inline constexpr const char* kInvalidArgument = "org.uplinkd.Lab.Error.InvalidArgument";
inline constexpr const char* kWrongState = "org.uplinkd.Lab.Error.WrongState";
}  // namespace lab_error

}  // namespace uplinkd::lab
