#include "control/permission.h"

namespace uplinkd::control {

const char* PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead: return "read";
    case Permission::kOperate: return "operate";
    case Permission::kConfigure: return "configure";
    case Permission::kAdmin: return "admin";
  }
  return "?";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (auto permission : kPermissions) {
    if (name == PermissionName(permission)) return permission;
  }
  return std::nullopt;
}

std::string PermissionSet::ToString() const {
  std::string text;
  for (auto permission : kPermissions) {
    if ((bits_ & Bit(permission)) == 0) continue;
    if (!text.empty()) text += ',';
    text += PermissionName(permission);
  }
  return text.empty() ? "none" : text;
}

}  // namespace uplinkd::control
