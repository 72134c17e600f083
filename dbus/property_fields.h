#pragma once
// Ties the D-Bus name of a property to a member of a plain value struct, so one table per object
// kind says both what a getter returns and which names go into PropertiesChanged when the value
// is replaced. The structs hold only standard types; nothing here knows sdbus.
#include <string>
#include <tuple>
#include <vector>

namespace uplinkd::dbus {

template <typename Struct, typename Member>
struct PropertyField {
  const char* name;
  Member Struct::*member;
};

template <typename Struct, typename Member>
constexpr PropertyField<Struct, Member> Property(const char* name, Member Struct::*member) {
  return {name, member};
}

// The D-Bus names of the fields whose values differ, in table order. `Properties::kFields` is a
// tuple of PropertyField.
template <typename Properties>
std::vector<std::string> ChangedPropertyNames(const Properties& before, const Properties& after) {
  std::vector<std::string> changed;
  std::apply(
      [&](const auto&... field) {
        auto compare = [&](const auto& one) {
          if (!(before.*(one.member) == after.*(one.member))) changed.emplace_back(one.name);
        };
        (compare(field), ...);
      },
      Properties::kFields);
  return changed;
}

// Every D-Bus property name of `Properties`, in table order.
template <typename Properties>
std::vector<std::string> PropertyNames() {
  std::vector<std::string> names;
  std::apply([&](const auto&... field) { (names.emplace_back(field.name), ...); }, Properties::kFields);
  return names;
}

}  // namespace uplinkd::dbus
