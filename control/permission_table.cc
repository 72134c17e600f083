#include "control/permission_table.h"

namespace uplinkd::control {

PermissionSet PermissionTable::PermissionsOf(const Principal& principal) const {
  if (principal.kind == PrincipalKind::kUnidentified) return {};
  if (principal.kind == PrincipalKind::kLocalUser && principal.uid == 0) return PermissionSet::All();
  PermissionSet granted;
  for (const auto& rule : rules_) {
    if (rule.who.Matches(principal)) granted.Add(rule.grants);
  }
  return granted;
}

PermissionTable::Built PermissionTable::Build(const config::ControlConfig& config, const std::string& access_group,
                                              const AccountResolver& resolver) {
  PrincipalSelector group{PrincipalSelector::Kind::kGroup, 0, access_group};
  struct Role {
    const char* name;
    const std::optional<std::vector<PrincipalSelector>>& configured;
    std::vector<PrincipalSelector> fallback;
    PermissionSet grants;
  };
  const Role roles[] = {
      {"readers", config.readers, {PrincipalSelector{}}, {Permission::kRead}},
      {"operators", config.operators, {group}, {Permission::kRead, Permission::kOperate}},
      {"configurers", config.configurers, {group}, {Permission::kRead, Permission::kConfigure}},
      {"admins", config.admins, {}, {Permission::kAdmin}},
  };
  Built built;
  for (const auto& role : roles) {
    for (auto selector : role.configured ? *role.configured : role.fallback) {
      if (selector.kind == PrincipalSelector::Kind::kUser || selector.kind == PrincipalSelector::Kind::kGroup) {
        bool user = selector.kind == PrincipalSelector::Kind::kUser;
        auto id = user ? resolver.user_id(selector.name) : resolver.group_id(selector.name);
        if (!id) {
          built.warnings.push_back(std::string("[control] ") + role.name + ": " + (user ? "user" : "group") + " \"" +
                                   selector.name + "\" does not exist on this system; it names nobody");
          continue;
        }
        selector = {user ? PrincipalSelector::Kind::kUid : PrincipalSelector::Kind::kGid, *id, ""};
      }
      built.table.rules_.push_back({selector, role.grants, role.name});
    }
  }
  return built;
}

}  // namespace uplinkd::control
