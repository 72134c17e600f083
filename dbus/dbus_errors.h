#pragma once
// The named errors uplinkd answers with. Each comes with a message meant for people.
#include "base/result.h"

namespace uplinkd::dbus {

inline constexpr const char* kErrorInvalidArgument = "org.uplinkd1.Error.InvalidArgument";
inline constexpr const char* kErrorPermissionDenied = "org.uplinkd1.Error.PermissionDenied";
inline constexpr const char* kErrorConfigInvalid = "org.uplinkd1.Error.ConfigInvalid";
inline constexpr const char* kErrorNotFound = "org.uplinkd1.Error.NotFound";
inline constexpr const char* kErrorUnavailable = "org.uplinkd1.Error.Unavailable";
inline constexpr const char* kErrorFailed = "org.uplinkd1.Error.Failed";

// The D-Bus error name for one of our error codes.
const char* ErrorNameFor(ErrorCode code);

}  // namespace uplinkd::dbus
