#include "base/toml_section.h"

#include <algorithm>
#include <cmath>

namespace uplinkd::config {

TomlSection::TomlSection(const toml::value& table, std::string path, std::string file,
                         std::vector<ConfigIssue>& issues)
    : table_(table), path_(std::move(path)), file_(std::move(file)), issues_(issues) {}

int TomlSection::LineOf(const toml::value& value) const {
  auto line = value.location().line();
  return line == 0 ? LineOf(table_) : static_cast<int>(line);
}

std::string TomlSection::Name(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

bool TomlSection::Has(const std::string& key) const {
  return table_.is_table() && table_.as_table().count(key) != 0;
}

const toml::value* TomlSection::Find(const std::string& key) {
  known_.insert(key);
  if (!table_.is_table()) return nullptr;
  const auto& table = table_.as_table();
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

void TomlSection::Fail(const std::string& key, const std::string& message) {
  const toml::value* value = table_.is_table() && table_.as_table().count(key)
                                 ? &table_.as_table().at(key)
                                 : &table_;
  issues_.push_back({file_, LineOf(*value), Name(key) + ": " + message});
}

std::optional<std::string> TomlSection::String(const std::string& key, bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    Fail(key, "must be a string");
    return std::nullopt;
  }
  return value->as_string().str;
}

std::optional<bool> TomlSection::Bool(const std::string& key, bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!value->is_boolean()) {
    Fail(key, "must be true or false");
    return std::nullopt;
  }
  return value->as_boolean();
}

std::optional<int64_t> TomlSection::Integer(const std::string& key, int64_t min, int64_t max,
                                            bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!value->is_integer()) {
    Fail(key, "must be an integer");
    return std::nullopt;
  }
  int64_t number = value->as_integer();
  if (number < min || number > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", not " +
                  std::to_string(number));
    return std::nullopt;
  }
  return number;
}

std::optional<double> TomlSection::Number(const std::string& key, double min, double max, bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  double number = 0;
  if (value->is_floating()) {
    number = value->as_floating();
    // nan compares false with everything, so it would pass the range check below (and
    // `backoff_jitter = nan` became a hot reconnect loop); inf is no setting either.
    if (!std::isfinite(number)) {
      Fail(key, "must be a finite number, not " + std::string(std::isnan(number) ? "nan" : "inf"));
      return std::nullopt;
    }
  } else if (value->is_integer()) {
    number = static_cast<double>(value->as_integer());
  } else {
    Fail(key, "must be a number");
    return std::nullopt;
  }
  if (number < min || number > max) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return number;
}

std::optional<std::string> TomlSection::Choice(const std::string& key,
                                               const std::vector<std::string>& choices, bool required) {
  auto text = String(key, required);
  if (!text) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *text) == choices.end()) {
    std::string allowed;
    for (const auto& choice : choices) allowed += (allowed.empty() ? "" : ", ") + choice;
    Fail(key, "must be one of " + allowed + ", not \"" + *text + "\"");
    return std::nullopt;
  }
  return text;
}

std::optional<std::vector<std::string>> TomlSection::StringList(const std::string& key, bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!value->is_array()) {
    Fail(key, "must be a list of strings");
    return std::nullopt;
  }
  std::vector<std::string> items;
  for (const auto& item : value->as_array()) {
    if (!item.is_string()) {
      Fail(key, "must be a list of strings");
      return std::nullopt;
    }
    items.push_back(item.as_string().str);
  }
  return items;
}

std::optional<std::vector<int64_t>> TomlSection::IntegerList(const std::string& key, int64_t min, int64_t max) {
  const toml::value* value = Find(key);
  if (!value) return std::nullopt;
  std::string expected = "must be a list of integers " + std::to_string(min) + ".." + std::to_string(max);
  if (!value->is_array()) {
    Fail(key, expected);
    return std::nullopt;
  }
  std::vector<int64_t> items;
  for (const auto& item : value->as_array()) {
    if (!item.is_integer() || item.as_integer() < min || item.as_integer() > max) {
      Fail(key, expected);
      return std::nullopt;
    }
    items.push_back(item.as_integer());
  }
  return items;
}

std::optional<TomlSection> TomlSection::Table(const std::string& key, bool required) {
  const toml::value* value = Find(key);
  if (!value) {
    if (required) Fail(key, "is required");
    return std::nullopt;
  }
  if (!value->is_table()) {
    Fail(key, "must be a table");
    return std::nullopt;
  }
  return TomlSection(*value, Name(key), file_, issues_);
}

std::vector<TomlSection> TomlSection::TableArray(const std::string& key) {
  std::vector<TomlSection> sections;
  const toml::value* value = Find(key);
  if (!value) return sections;
  if (!value->is_array()) {
    Fail(key, "must be an array of tables ([[" + key + "]])");
    return sections;
  }
  size_t index = 0;
  for (const auto& item : value->as_array()) {
    std::string name = Name(key) + "[" + std::to_string(index++) + "]";
    if (!item.is_table()) {
      issues_.push_back({file_, LineOf(item), name + ": must be a table"});
      continue;
    }
    sections.emplace_back(item, name, file_, issues_);
  }
  return sections;
}

void TomlSection::RejectUnknownKeys() {
  if (!table_.is_table()) return;
  for (const auto& [key, value] : table_.as_table()) {
    if (!known_.count(key)) {
      issues_.push_back({file_, LineOf(value), "unknown key " + Name(key)});
    }
  }
}

}  // namespace uplinkd::config
