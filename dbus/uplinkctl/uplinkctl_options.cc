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
constexpr CommandShape kCommands[] = {
    {"status", 0, 0}, {"wan", 0, 1},    {"modem", 0, 1},     {"alerts", 0, 0}, {"monitor", 0, 0},
    {"reload", 0, 0}, {"log-level", 1, 1}, {"help", 0, 0}, {"version", 0, 0},
};

Result<double> ParseNumber(const std::string& option, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || value < 0) {
    return MakeError(ErrorCode::kInvalidArgument, option + " needs a non-negative number, not \"" + text + "\"");
  }
  return value;
}

}  // namespace

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
  help, version

Options:
  --bus ADDRESS     the bus uplinkd is on (default: the system bus, or $DBUS_SYSTEM_BUS_ADDRESS)
  --json, -j        machine-readable output (monitor: one JSON object per line)
  --color[=WHEN]    auto (colour on a terminal), always, never; --no-color = never
  --count N         monitor: exit after N events
  --timeout S       monitor: exit after S seconds (with --count: exit 6 if fewer events came)

Exit status: 0 success, 1 uplinkd answered with an error, 2 usage error, 3 uplinkd unreachable,
4 permission denied, 5 no such object, 6 monitor timed out before --count events.
)";
}

}  // namespace uplinkd::ctl
