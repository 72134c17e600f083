#pragma once
// What a principal may do (docs/control.md): read state, operate (resume a modem, take a Wan down,
// pin a class), configure (reload, log level), administer (everything).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkd::control {

enum class Permission : uint8_t { kRead, kOperate, kConfigure, kAdmin };
inline constexpr Permission kPermissions[] = {Permission::kRead, Permission::kOperate, Permission::kConfigure,
                                              Permission::kAdmin};

const char* PermissionName(Permission permission);  // "read", "operate", "configure", "admin"
std::optional<Permission> ParsePermission(std::string_view name);

// A set of permissions. Admin implies every other one.
class PermissionSet {
 public:
  PermissionSet() = default;
  PermissionSet(std::initializer_list<Permission> permissions) {
    for (auto permission : permissions) Add(permission);
  }
  static PermissionSet All() { return {Permission::kRead, Permission::kOperate, Permission::kConfigure, Permission::kAdmin}; }

  // Admin is stored as every bit, so equal sets compare equal.
  void Add(Permission permission) { bits_ |= permission == Permission::kAdmin ? kAllBits : Bit(permission); }
  void Add(PermissionSet other) { bits_ |= other.bits_; }
  bool Has(Permission permission) const {
    return (bits_ & Bit(permission)) != 0 || (bits_ & Bit(Permission::kAdmin)) != 0;
  }
  bool empty() const { return bits_ == 0; }
  // "read,operate"; "none" when empty.
  std::string ToString() const;
  friend bool operator==(const PermissionSet&, const PermissionSet&) = default;

 private:
  static uint8_t Bit(Permission permission) { return static_cast<uint8_t>(1u << static_cast<unsigned>(permission)); }
  static constexpr uint8_t kAllBits = 0x0f;
  uint8_t bits_ = 0;
};

}  // namespace uplinkd::control
