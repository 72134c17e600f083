// Configuration files (base/toml_document + base/toml_section, and the real readers on top:
// ConfigLoader for uplinkd.toml, WorkerConfig for the inference worker's file): any bytes give a
// config or located issues, never a crash, whatever the nesting, size or numbers.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "base/toml_document.h"
#include "base/toml_section.h"
#include "daemon/config/config_loader.h"
#include "inference/worker_config.h"

namespace {

using uplinkd::config::ConfigIssue;
using uplinkd::config::TomlSection;

// Asks every key of the table for every type, as a schema-less reader would, down the tree.
void Walk(TomlSection& section, const toml::value& table, int depth) {
  if (!table.is_table() || depth > 40) return;
  for (const auto& [key, value] : table.as_table()) {
    (void)section.String(key);
    (void)section.Bool(key);
    (void)section.Integer(key, -1000, 1000);
    if (auto number = section.Number(key, -1e9, 1e9); number && !std::isfinite(*number)) std::abort();
    (void)section.StringList(key);
    (void)section.IntegerList(key, 0, 65535);
    if (auto child = section.Table(key)) Walk(*child, value, depth + 1);
    auto items = section.TableArray(key);
    if (value.is_array()) {
      size_t i = 0;
      for (const auto& item : value.as_array()) {
        if (!item.is_table()) continue;
        if (i < items.size()) Walk(items[i], item, depth + 1);
        ++i;
      }
    }
  }
  section.RejectUnknownKeys();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto root = uplinkd::config::TomlDocument::Parse(text, "fuzz.toml");
  if (root) {
    std::vector<ConfigIssue> issues;
    TomlSection top(*root, "", "fuzz.toml", issues);
    Walk(top, *root, 0);
  } else if (root.error().message.empty()) {
    std::abort();
  }
  auto outcome = uplinkd::config::ConfigLoader::LoadString(text, "fuzz.toml");
  for (const auto& issue : outcome.issues) {
    if (issue.message.empty() || issue.file != "fuzz.toml") std::abort();
  }
  (void)uplinkd::inference::WorkerConfig::Parse(text, "fuzz.toml");
  return 0;
}
