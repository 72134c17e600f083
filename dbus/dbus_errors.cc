#include "dbus/dbus_errors.h"

namespace uplinkd::dbus {

const char* ErrorNameFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return kErrorInvalidArgument;
    case ErrorCode::kPermissionDenied: return kErrorPermissionDenied;
    case ErrorCode::kNotFound: return kErrorNotFound;
    case ErrorCode::kUnavailable:
    case ErrorCode::kTimeout: return kErrorUnavailable;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kSystem:
    case ErrorCode::kRejected:
    case ErrorCode::kCancelled: return kErrorFailed;
  }
  return kErrorFailed;
}

}  // namespace uplinkd::dbus
