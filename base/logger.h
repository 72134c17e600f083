#pragma once
// Leveled, per-module logging to stderr in the form journald understands: each line starts with
// the syslog priority in angle brackets ("<6>modem: ..."), which the journal strips and records.
// Secrets never reach here: callers log names of secrets, never their values.
// Arguments come from outside (D-Bus callers, config files, peers): every string argument is
// escaped and bounded (base/text_escape.h), and the whole line is escaped again, so one call is
// always one line and no argument can forge another ("debug\n<0>daemon: ...").
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "base/text_escape.h"

namespace uplinkd {

// A string argument of a log call, formatted escaped and bounded (kMaxEchoedBytes).
struct LogText {
  std::string_view text;
};

// The bound on one whole log line's text, so one line stays one write().
inline constexpr size_t kMaxLogLineBytes = 4000;

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
  // The line Emit writes for `text` (exposed for tests): prefix, escaped text, one '\n'.
  static std::string FormatLine(LogLevel level, LogModule module, std::string_view text, bool terminal);
  // The text a call with these arguments logs (exposed for tests).
  template <typename... Args>
  static std::string Render(fmt::format_string<Args...> format, Args&&... args) {
    return Format(static_cast<fmt::string_view>(format), Loggable(args)...);
  }

 private:
  template <typename... Args>
  void Write(LogLevel level, fmt::format_string<Args...> format, Args&&... args) const {
    if (static_cast<int>(level) > static_cast<int>(MaxLevel())) return;
    // The format was checked against the real types at compile time; string arguments are then
    // formatted through LogText, whose formatter accepts the same specifications.
    Emit(level, Format(static_cast<fmt::string_view>(format), Loggable(args)...));
  }
  template <typename T>
  static decltype(auto) Loggable(const T& arg) {
    if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
      return LogText{arg ? std::string_view(arg) : std::string_view("(null)")};
    } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      return LogText{std::string_view(arg)};
    } else {
      return (arg);
    }
  }
  template <typename... Loggables>
  static std::string Format(fmt::string_view format, const Loggables&... args) {
    return fmt::vformat(format, fmt::make_format_args(args...));
  }
  void Emit(LogLevel level, std::string_view text) const;

  LogModule module_;
};

}  // namespace uplinkd

template <>
struct fmt::formatter<uplinkd::LogText> : fmt::formatter<fmt::string_view> {
  template <typename FormatContext>
  auto format(const uplinkd::LogText& value, FormatContext& context) const {
    std::string text = uplinkd::EscapeBounded(value.text);
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(text), context);
  }
};
