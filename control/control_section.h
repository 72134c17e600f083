#pragma once
// [control]: who may run which commands (docs/configuration.md, docs/control.md) and the audit
// log's size. Each role is a list of principal selectors ("uid:1001", "group:uplinkd", "sms:KEY",
// "remote:ID", "*"); a role that is not given keeps its default, which follows [dbus] access_group
// (backward compatible). Root is always admin. Strict: unknown keys and bad entries are located
// issues.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/toml_section.h"
#include "control/principal_selector.h"

namespace uplinkd::config {

struct ControlConfig {
  // nullopt: the default (readers ["*"], operators and configurers ["group:<[dbus] access_group>"],
  // admins none besides root).
  std::optional<std::vector<control::PrincipalSelector>> readers;
  std::optional<std::vector<control::PrincipalSelector>> operators;
  std::optional<std::vector<control::PrincipalSelector>> configurers;
  std::optional<std::vector<control::PrincipalSelector>> admins;
  uint64_t audit_max_rows = 10000;       // the audit log keeps the newest this many rows
  uint32_t idempotency_window_s = 600;   // how long a command's idempotency key is remembered
  friend bool operator==(const ControlConfig&, const ControlConfig&) = default;
};

void ReadControlSection(TomlSection& section, ControlConfig& out);

}  // namespace uplinkd::config
