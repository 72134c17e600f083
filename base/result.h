#pragma once
// The result type used across uplinkd: a value or an Error, never an exception across an
// async boundary. tl::expected is the C++17/20 stand-in for C++23's std::expected.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace uplinkd {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong
  kNotFound,         // the object asked for does not exist
  kAlreadyExists,
  kPermissionDenied,
  kUnavailable,      // a peer (kernel, D-Bus service) did not answer or refused for now
  kSystem,           // a syscall failed; errno_value says why
  kRejected,         // the peer answered and said no (e.g. a wrong SIM PIN)
  kTimeout,
  kCancelled,
};

struct Error {
  ErrorCode code = ErrorCode::kSystem;
  std::string message;
  int errno_value = 0;
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message, int errno_value = 0) {
  return tl::unexpected<Error>(Error{code, std::move(message), errno_value});
}

// Formats an error for a log line: "message (errno: text)".
std::string Describe(const Error& error);
const char* ErrorCodeName(ErrorCode code);

}  // namespace uplinkd
