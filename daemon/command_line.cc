#include "daemon/command_line.h"

#include <string_view>

#include "base/logger.h"

namespace uplinkd {

const char* CommandLine::Usage() {
  return "usage: uplinkd [options]\n"
         "  --config FILE        configuration (default /etc/uplinkd/uplinkd.toml)\n"
         "  --check-config FILE  validate FILE, print each problem as file:line, and exit\n"
         "  --bus ADDRESS        D-Bus address to use as the system bus (e.g. unix:path=/run/x.sock)\n"
         "  --state-dir DIR      durable state (default from config, /var/lib/uplinkd)\n"
         "  --runtime-dir DIR    runtime files such as status.json (default /run/uplinkd)\n"
         "  --log-level LEVEL    error, warning, notice, info or debug\n"
         "  --version            print the version and exit\n"
         "  --help               print this help and exit\n"
         "Signals: SIGHUP reloads the configuration; SIGTERM and SIGINT stop cleanly.\n";
}

Result<CommandLine> CommandLine::Parse(int argc, const char* const* argv) {
  CommandLine line;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string_view name) -> Result<std::string> {
      if (i + 1 >= argc) return MakeError(ErrorCode::kInvalidArgument, std::string(name) + " needs a value");
      return std::string(argv[++i]);
    };
    Result<std::string> text;
    if (arg == "--help" || arg == "-h") {
      line.help = true;
    } else if (arg == "--version") {
      line.version = true;
    } else if (arg == "--config") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      line.config_path = *text;
      line.config_path_given = true;
    } else if (arg == "--check-config") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      line.check_config_path = *text;
    } else if (arg == "--bus") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      line.bus = *text;
    } else if (arg == "--state-dir") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      line.state_dir = *text;
    } else if (arg == "--runtime-dir") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      line.runtime_dir = *text;
    } else if (arg == "--log-level") {
      if (!(text = value(arg))) return tl::unexpected(text.error());
      if (!LogLevelFromName(*text)) {
        return MakeError(ErrorCode::kInvalidArgument, "--log-level must be error, warning, notice, info or debug");
      }
      line.log_level = *text;
    } else {
      return MakeError(ErrorCode::kInvalidArgument, "unknown option " + std::string(arg));
    }
  }
  return line;
}

}  // namespace uplinkd
