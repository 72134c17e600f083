#pragma once
// ModemManager's object paths (MM_DBUS_PATH and the *_PREFIX names in ModemManager-names.h).
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkd::lab {

inline constexpr const char* kModemManagerService = "org.freedesktop.ModemManager1";
inline constexpr const char* kModemManagerPath = "/org/freedesktop/ModemManager1";
inline constexpr const char* kModemPrefix = "/org/freedesktop/ModemManager1/Modem/";
inline constexpr const char* kBearerPrefix = "/org/freedesktop/ModemManager1/Bearer/";
inline constexpr const char* kSimPrefix = "/org/freedesktop/ModemManager1/SIM/";
inline constexpr const char* kSmsPrefix = "/org/freedesktop/ModemManager1/SMS/";
inline constexpr const char* kLabControlPath = "/org/uplinkd/Lab/MockModemManager";

inline std::string ModemPath(uint32_t id) { return kModemPrefix + std::to_string(id); }
inline std::string BearerPath(uint32_t id) { return kBearerPrefix + std::to_string(id); }
inline std::string SimPath(uint32_t id) { return kSimPrefix + std::to_string(id); }
inline std::string SmsPath(uint32_t id) { return kSmsPrefix + std::to_string(id); }

// The N of "<prefix>N", or nullopt when the path is not of that kind.
inline std::optional<uint32_t> ObjectNumber(std::string_view path, std::string_view prefix) {
  if (path.substr(0, prefix.size()) != prefix || path.size() == prefix.size()) return std::nullopt;
  std::string_view digits = path.substr(prefix.size());
  uint32_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace uplinkd::lab
