#pragma once
// [dbus] access_group: who besides root may call uplinkd's D-Bus methods that change something
// (docs/dbus-api.md, "Access"). Read as part of the [dbus] table.
#include <string>

#include "base/toml_section.h"

namespace uplinkd::config {

struct DbusAccessConfig {
  std::string access_group = "uplinkd";
  friend bool operator==(const DbusAccessConfig&, const DbusAccessConfig&) = default;
};

// Reads this section's keys of [dbus]; the caller rejects unknown keys afterwards.
void ReadDbusAccessKeys(TomlSection& section, DbusAccessConfig& out);

}  // namespace uplinkd::config
