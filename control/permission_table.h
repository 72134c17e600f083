#pragma once
// Principal -> permissions: a pure table of rules (docs/control.md). Built from [control] and
// [dbus] access_group with user and group names resolved to ids by an injected resolver, so the
// decision itself never touches the user database and is unit-tested exhaustively.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "control/control_section.h"
#include "control/permission.h"
#include "control/principal.h"
#include "control/principal_selector.h"

namespace uplinkd::control {

struct PermissionRule {
  PrincipalSelector who;
  PermissionSet grants;
  std::string role;  // "readers", ... (for messages)
};

// Names to ids, as the user database has them (nullopt: no such user or group).
struct AccountResolver {
  std::function<std::optional<uint32_t>(const std::string& user)> user_id;
  std::function<std::optional<uint32_t>(const std::string& group)> group_id;
};

class PermissionTable {
 public:
  struct Built;
  PermissionTable() = default;
  explicit PermissionTable(std::vector<PermissionRule> rules) : rules_(std::move(rules)) {}

  // Root (uid 0) is always admin, whatever the rules say; an unidentified caller holds nothing.
  PermissionSet PermissionsOf(const Principal& principal) const;
  const std::vector<PermissionRule>& rules() const { return rules_; }

  // The table of `config`, its default roles following `access_group`. A user or group that does
  // not exist names nobody; `warnings` says so (for the log, once per build).
  static Built Build(const config::ControlConfig& config, const std::string& access_group,
                     const AccountResolver& resolver);

 private:
  std::vector<PermissionRule> rules_;
};

struct PermissionTable::Built {
  PermissionTable table;
  std::vector<std::string> warnings;
};

}  // namespace uplinkd::control
