#pragma once
// Reads a whole TOML configuration file into a toml::value, bounded before toml11 sees it: at
// most kMaxTomlBytes, and at most kMaxTomlNesting levels of [ and { (and dotted-key segments per
// key), counted by a small pre-scan that knows TOML's strings, literal strings, multi-line
// strings and comments. toml11 parses arrays and inline tables recursively: 100 000 nested
// brackets crashed `uplinkd --check-config` with a stack overflow. Nothing throws: every failure
// (unreadable, too large, too deep, a syntax error) is one located ConfigIssue.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>
#include <toml.hpp>

#include "base/config_issue.h"

namespace uplinkd::config {

inline constexpr size_t kMaxTomlBytes = 1024 * 1024;
inline constexpr int kMaxTomlNesting = 32;

class TomlDocument {
 public:
  // `file` names the text in issues.
  static tl::expected<toml::value, ConfigIssue> Parse(std::string_view text, const std::string& file);
  // Reads at most kMaxTomlBytes + 1 bytes (a device or a huge file is refused, not slurped).
  static tl::expected<std::string, ConfigIssue> Read(const std::string& path);
  static tl::expected<toml::value, ConfigIssue> ParseFile(const std::string& path);
  // The pre-scan alone: the first bound the text breaks, or nullopt.
  static std::optional<ConfigIssue> CheckBounds(std::string_view text, const std::string& file);
};

}  // namespace uplinkd::config
