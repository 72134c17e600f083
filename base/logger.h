#pragma once
// Leveled, per-module logging to stderr in the form journald understands: each line starts with
// the syslog priority in angle brackets ("<6>modem: ..."), which the journal strips and records.
// Secrets never reach here: callers log names of secrets, never their values.
#include <optional>
#include <string_view>

#include <fmt/format.h>

namespace uplinkd {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

// "error", "warning", "notice", "info", "debug"; nullopt for anything else.
std::optional<LogLevel> LogLevelFromName(std::string_view name);

enum class LogModule { kDaemon, kConfig, kNet, kModem, kPolicy, kVpn, kInference, kOob, kDbus, kLab, kAlerts, kControl };

class Logger {
 public:
  explicit Logger(LogModule module) : module_(module) {}

  template <typename... Args>
  void Error(fmt::format_string<Args...> format, Args&&... args) const {
    Write(LogLevel::kError, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Warning(fmt::format_string<Args...> format, Args&&... args) const {
    Write(LogLevel::kWarning, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Notice(fmt::format_string<Args...> format, Args&&... args) const {
    Write(LogLevel::kNotice, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Info(fmt::format_string<Args...> format, Args&&... args) const {
    Write(LogLevel::kInfo, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  void Debug(fmt::format_string<Args...> format, Args&&... args) const {
    Write(LogLevel::kDebug, format, std::forward<Args>(args)...);
  }

  // The most verbose level written; lines above it are dropped before formatting.
  static void SetMaxLevel(LogLevel level);
  static LogLevel MaxLevel();
  static const char* ModuleName(LogModule module);
  static const char* LevelName(LogLevel level);

 private:
  template <typename... Args>
  void Write(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
    if (static_cast<int>(level) > static_cast<int>(MaxLevel())) return;
    Emit(level, fmt::format(format, std::forward<Args>(args)...));
  }
  void Emit(LogLevel level, std::string_view text) const;

  LogModule module_;
};

}  // namespace uplinkd
