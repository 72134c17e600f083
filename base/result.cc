#include "base/result.h"

#include <cstring>

namespace uplinkd {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid-argument";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kAlreadyExists: return "already-exists";
    case ErrorCode::kPermissionDenied: return "permission-denied";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kSystem: return "system";
    case ErrorCode::kRejected: return "rejected";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
  }
  return "unknown";
}

std::string Describe(const Error& error) {
  std::string text = error.message;
  if (error.errno_value != 0) {
    text += " (";
    text += std::strerror(error.errno_value);
    text += ")";
  }
  return text;
}

}  // namespace uplinkd
