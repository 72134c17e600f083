#include "dbus/dbus_access_section.h"

#include <regex>

namespace uplinkd::config {

void ReadDbusAccessKeys(TomlSection& section, DbusAccessConfig& out) {
  // What useradd/groupadd accept (shadow-utils' default NAME_REGEX, with upper case allowed).
  static const std::regex kGroupName("[A-Za-z_][A-Za-z0-9_.-]{0,31}");
  if (auto group = section.String("access_group")) {
    if (!std::regex_match(*group, kGroupName)) {
      section.Fail("access_group", "must be a group name (letters, digits, _ . -, at most 32 characters)");
    } else {
      out.access_group = *group;
    }
  }
}

}  // namespace uplinkd::config
