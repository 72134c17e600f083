#include "base/logger.h"

#include <unistd.h>

#include <string>

namespace uplinkd {
namespace {
LogLevel g_max_level = LogLevel::kInfo;
}  // namespace

std::optional<LogLevel> LogLevelFromName(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warning") return LogLevel::kWarning;
  if (name == "notice") return LogLevel::kNotice;
  if (name == "info") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

void Logger::SetMaxLevel(LogLevel level) { g_max_level = level; }
LogLevel Logger::MaxLevel() { return g_max_level; }

const char* Logger::LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kNotice: return "notice";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "?";
}

const char* Logger::ModuleName(LogModule module) {
  switch (module) {
    case LogModule::kDaemon: return "daemon";
    case LogModule::kConfig: return "config";
    case LogModule::kNet: return "net";
    case LogModule::kModem: return "modem";
    case LogModule::kPolicy: return "policy";
    case LogModule::kVpn: return "vpn";
    case LogModule::kInference: return "inference";
    case LogModule::kOob: return "oob";
    case LogModule::kDbus: return "dbus";
    case LogModule::kLab: return "lab";
    case LogModule::kAlerts: return "alerts";
    case LogModule::kControl: return "control";
  }
  return "?";
}

std::string Logger::FormatLine(LogLevel level, LogModule module, std::string_view text, bool terminal) {
  // Escaped again as a whole: arguments that are not strings (a JSON value, an error) and the
  // format itself can hold a line break too.
  std::string safe = EscapeBounded(text, kMaxLogLineBytes);
  return terminal ? fmt::format("{:<7} {}: {}\n", LevelName(level), ModuleName(module), safe)
                  : fmt::format("<{}>{}: {}\n", static_cast<int>(level), ModuleName(module), safe);
}

void Logger::Emit(LogLevel level, std::string_view text) const {
  // One write() per line so lines from a child process sharing stderr never interleave.
  // On a terminal a person reads it: level names instead of the journal's "<N>" prefix.
  static const bool kTerminal = ::isatty(STDERR_FILENO) == 1;
  std::string line = FormatLine(level, module_, text, kTerminal);
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace uplinkd
