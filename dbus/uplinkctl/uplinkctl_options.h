#pragma once
// uplinkctl's command line: global options, one command and its arguments (docs/uplinkctl.md).
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::ctl {

// Exit codes, documented in docs/uplinkctl.md and `uplinkctl --help`.
enum ExitCode : int {
  kExitOk = 0,
  kExitFailed = 1,        // uplinkd answered with an error (rejected configuration, ...)
  kExitUsage = 2,         // the command line is wrong
  kExitUnreachable = 3,   // no bus, or uplinkd is not on it
  kExitDenied = 4,        // uplinkd refused: not root and not in its access group
  kExitNotFound = 5,      // no such modem, Wan or object
  kExitTimeout = 6,       // monitor --count did not see enough events before --timeout
  kExitInvalid = 7,       // uplinkd refused an argument's value (org.uplinkd1.Error.InvalidArgument)
  kExitUnavailable = 8,   // uplinkd cannot do it now (org.uplinkd1.Error.Unavailable: modem absent, no policy)
};

enum class ColorMode { kAuto, kAlways, kNever };

struct Options {
  std::optional<std::string> bus;  // a D-Bus address; unset: the system bus (DBUS_SYSTEM_BUS_ADDRESS)
  bool json = false;
  ColorMode color = ColorMode::kAuto;
  // status, wan, modem, alerts, monitor, reload, log-level, pin, unpin, audit, help, version
  std::string command;
  std::vector<std::string> arguments;
  // pin: --for DURATION in seconds (0: not given).
  uint32_t pin_seconds = 0;
  // audit: --limit N (0: uplinkd's default, 100).
  uint32_t limit = 0;
  // monitor: stop after this many events / after this many seconds (0: never).
  uint64_t count = 0;
  double timeout_s = 0;
};

// "5s", "5", "2m", "1h" -> seconds; kInvalidArgument for anything else or 0.
Result<uint32_t> ParseDuration(const std::string& text);

// Parses argv[1..]; a usage error has kInvalidArgument and says what is wrong.
Result<Options> ParseOptions(const std::vector<std::string>& args);

const char* UsageText();

}  // namespace uplinkd::ctl
