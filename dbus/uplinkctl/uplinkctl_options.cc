#include "dbus/uplinkctl/uplinkctl_options.h"

#include <cstdlib>
#include <set>

namespace uplinkd::ctl {
namespace {

// Commands and how many arguments each takes (min, max).
struct CommandShape {
  const char* name;
  size_t min_args;
  size_t max_args;
};
// `modem` and `wan` take NAME to show one, or VERB NAME to act on one (checked below).
constexpr CommandShape kCommands[] = {
    {"status", 0, 0}, {"wan", 0, 2},       {"modem", 0, 2}, {"alerts", 0, 0},  {"monitor", 0, 0},
    {"reload", 0, 0}, {"log-level", 1, 1}, {"pin", 2, 2},   {"unpin", 1, 1},   {"audit", 0, 0},
    {"help", 0, 0},   {"version", 0, 0},
};

constexpr const char* kModemVerbs[] = {"resume", "reconnect", "reset"};
constexpr const char* kWanVerbs[] = {"down", "up"};

template <size_t N>
bool OneOf(const std::string& word, const char* const (&words)[N]) {
  for (const char* candidate : words) {
    if (word == candidate) return true;
  }
  return false;
}

Result<double> ParseNumber(const std::string& option, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || value < 0) {
    return MakeError(ErrorCode::kInvalidArgument, option + " needs a non-negative number, not \"" + text + "\"");
  }
  return value;
}

}  // namespace

Result<uint32_t> ParseDuration(const std::string& text) {
  auto fail = [&] {
    return MakeError(ErrorCode::kInvalidArgument, "--for needs a duration such as 5s, 90, 2m or 1h, not \"" + text + "\"");
  };
  if (text.empty()) return fail();
  uint64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's': unit = 1; digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) return fail();
  uint64_t seconds = std::stoull(digits) * unit;
  if (seconds == 0 || seconds > UINT32_MAX) return fail();
  return static_cast<uint32_t>(seconds);
}

Result<Options> ParseOptions(const std::vector<std::string>& args) {
  Options options;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value_of = [&](const std::string& name) -> Result<std::string> {
      if (auto eq = arg.find('='); eq != std::string::npos) return arg.substr(eq + 1);
      if (i + 1 >= args.size()) return MakeError(ErrorCode::kInvalidArgument, name + " needs a value");
      return args[++i];
    };
    auto is = [&](const char* name) { return arg == name || arg.rfind(std::string(name) + "=", 0) == 0; };
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && (arg == "-h" || arg == "--help")) {
      options.command = "help";
    } else if (!options_done && arg == "--version") {
      options.command = "version";
    } else if (!options_done && (arg == "--json" || arg == "-j")) {
      options.json = true;
    } else if (!options_done && arg == "--no-color") {
      options.color = ColorMode::kNever;
    } else if (!options_done && is("--color")) {
      auto value = arg == "--color" ? Result<std::string>("always") : value_of("--color");
      if (*value == "always") {
        options.color = ColorMode::kAlways;
      } else if (*value == "never") {
        options.color = ColorMode::kNever;
      } else if (*value == "auto") {
        options.color = ColorMode::kAuto;
      } else {
        return MakeError(ErrorCode::kInvalidArgument, "--color takes auto, always or never");
      }
    } else if (!options_done && is("--bus")) {
      auto value = value_of("--bus");
      if (!value) return tl::unexpected(value.error());
      options.bus = *value;
    } else if (!options_done && is("--count")) {
      auto value = value_of("--count");
      if (!value) return tl::unexpected(value.error());
      auto number = ParseNumber("--count", *value);
      if (!number) return tl::unexpected(number.error());
      options.count = static_cast<uint64_t>(*number);
    } else if (!options_done && is("--timeout")) {
      auto value = value_of("--timeout");
      if (!value) return tl::unexpected(value.error());
      auto number = ParseNumber("--timeout", *value);
      if (!number) return tl::unexpected(number.error());
      options.timeout_s = *number;
    } else if (!options_done && is("--for")) {
      auto value = value_of("--for");
      if (!value) return tl::unexpected(value.error());
      auto seconds = ParseDuration(*value);
      if (!seconds) return tl::unexpected(seconds.error());
      options.pin_seconds = *seconds;
    } else if (!options_done && is("--limit")) {
      auto value = value_of("--limit");
      if (!value) return tl::unexpected(value.error());
      auto number = ParseNumber("--limit", *value);
      if (!number || *number > 1000 || *number != static_cast<uint32_t>(*number)) {
        return MakeError(ErrorCode::kInvalidArgument, "--limit needs a whole number from 0 to 1000");
      }
      options.limit = static_cast<uint32_t>(*number);
    } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
      return MakeError(ErrorCode::kInvalidArgument, "unknown option " + arg);
    } else if (options.command.empty()) {
      options.command = arg;
    } else {
      options.arguments.push_back(arg);
    }
  }
  if (options.command.empty()) options.command = "status";
  for (const auto& shape : kCommands) {
    if (options.command != shape.name) continue;
    if (options.arguments.size() < shape.min_args || options.arguments.size() > shape.max_args) {
      return MakeError(ErrorCode::kInvalidArgument, "wrong number of arguments for " + options.command);
    }
    if (options.bus && options.bus->empty()) return MakeError(ErrorCode::kInvalidArgument, "--bus needs an address");
    if (options.arguments.size() == 2 && options.command == "modem" && !OneOf(options.arguments[0], kModemVerbs)) {
      return MakeError(ErrorCode::kInvalidArgument, "modem takes NAME, or resume|reconnect|reset NAME");
    }
    if (options.arguments.size() == 2 && options.command == "wan" && !OneOf(options.arguments[0], kWanVerbs)) {
      return MakeError(ErrorCode::kInvalidArgument, "wan takes NAME, or down|up NAME");
    }
    if (options.command == "pin" && options.pin_seconds == 0) {
      return MakeError(ErrorCode::kInvalidArgument, "pin needs --for DURATION (e.g. --for 5s)");
    }
    if (options.command != "pin" && options.pin_seconds != 0) {
      return MakeError(ErrorCode::kInvalidArgument, "--for is for pin only");
    }
    return options;
  }
  return MakeError(ErrorCode::kInvalidArgument, "unknown command \"" + options.command + "\"");
}

const char* UsageText() {
  return R"(Usage: uplinkctl [OPTIONS] [COMMAND [ARGUMENTS]]

Shows and changes the state of uplinkd over its D-Bus API (org.uplinkd1).

Commands:
  status            the daemon, its uplinks and paths (the default)
  modem [NAME]      all modems as a table, or one modem in detail
  wan [NAME]        all Wans as a table, or one Wan in detail
  alerts            the alert relay: outbox depth, last delivery
  monitor           print every state change as it happens (Ctrl-C to stop)
  reload            re-read the configuration file
  log-level LEVEL   error, warning, notice, info or debug until the next reload
  modem resume NAME     leave needs-operator (after fixing its cause) and start again
  modem reconnect NAME  drop the bearer and connect again now
  modem reset NAME      reset the modem through ModemManager
  wan down NAME     take a Wan out of use for every traffic class (administratively)
  wan up NAME       give it back to health-based selection
  pin CLASS WAN --for DURATION
                    hold a traffic class (alert, management, telemetry, bulk) on a Wan, e.g. 5s, 10m
  unpin CLASS       end a pin early
  audit             the audit log: every command attempt, permitted or refused (--limit N)
  help, version

Options:
  --bus ADDRESS     the bus uplinkd is on (default: the system bus, or $DBUS_SYSTEM_BUS_ADDRESS)
  --json, -j        machine-readable output (monitor: one JSON object per line)
  --color[=WHEN]    auto (colour on a terminal), always, never; --no-color = never
  --count N         monitor: exit after N events
  --timeout S       monitor: exit after S seconds (with --count: exit 6 if fewer events came)
  --for DURATION    pin: how long (5s, 90, 2m, 1h; at most 24h)
  --limit N         audit: the newest N rows (default 100, at most 1000)

Exit status: 0 success, 1 uplinkd answered with an error, 2 usage error, 3 uplinkd unreachable,
4 permission denied, 5 no such object, 6 monitor timed out before --count events,
7 uplinkd refused an argument, 8 uplinkd cannot do it now (modem absent, no multi-WAN policy).
)";
}

}  // namespace uplinkd::ctl
