#include "daemon/core/logger.h"

#include <unistd.h>

#include <string>

namespace uplinkd {
namespace {
LogLevel g_max_level = LogLevel::kInfo;
}  // namespace

void Logger::SetMaxLevel(LogLevel level) { g_max_level = level; }
LogLevel Logger::MaxLevel() { return g_max_level; }

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
  }
  return "?";
}

void Logger::Emit(LogLevel level, std::string_view text) const {
  // One write() per line so lines from a child process sharing stderr never interleave.
  std::string line = fmt::format("<{}>{}: {}\n", static_cast<int>(level), ModuleName(module_), text);
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace uplinkd
