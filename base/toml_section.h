#pragma once
// Reads one TOML table against a schema: each accessor marks its key as known and records a
// located issue for a wrong type or value; RejectUnknownKeys() then reports every key nobody asked
// for. Nothing throws: a bad file yields a list of issues, never a crash.
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml.hpp>

#include "base/config_issue.h"

namespace uplinkd::config {

class TomlSection {
 public:
  // `path` names the table in messages ("modem[1].profile").
  TomlSection(const toml::value& table, std::string path, std::string file,
              std::vector<ConfigIssue>& issues);

  bool Has(const std::string& key) const;
  std::optional<std::string> String(const std::string& key, bool required = false);
  std::optional<bool> Bool(const std::string& key, bool required = false);
  // Integers in [min, max].
  std::optional<int64_t> Integer(const std::string& key, int64_t min, int64_t max, bool required = false);
  // A finite number in [min, max] (nan and inf are refused, whatever the range).
  std::optional<double> Number(const std::string& key, double min, double max, bool required = false);
  // One of `choices`.
  std::optional<std::string> Choice(const std::string& key, const std::vector<std::string>& choices,
                                    bool required = false);
  std::optional<std::vector<std::string>> StringList(const std::string& key, bool required = false);
  // A list of integers, each in [min, max].
  std::optional<std::vector<int64_t>> IntegerList(const std::string& key, int64_t min, int64_t max);
  // Sub-table; nullopt when absent (an issue when required) or not a table.
  std::optional<TomlSection> Table(const std::string& key, bool required = false);
  // Array of tables ([[key]]); empty when absent.
  std::vector<TomlSection> TableArray(const std::string& key);

  // Records an issue located at `key` (or at the table when the key is absent).
  void Fail(const std::string& key, const std::string& message);
  void RejectUnknownKeys();
  const std::string& path() const { return path_; }

 private:
  const toml::value* Find(const std::string& key);
  int LineOf(const toml::value& value) const;
  std::string Name(const std::string& key) const;

  const toml::value& table_;
  std::string path_;
  std::string file_;
  std::vector<ConfigIssue>& issues_;
  std::set<std::string> known_;
};

}  // namespace uplinkd::config
