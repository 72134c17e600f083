#pragma once
// The names uplinkd uses on the bus: its well-known name, object paths and interfaces.
// docs/dbus-api.md is the reference for people; these constants are the one place in code.
#include <string>
#include <string_view>

namespace uplinkd::dbus {

inline constexpr const char* kBusName = "org.uplinkd1";
inline constexpr const char* kRootPath = "/org/uplinkd1";
inline constexpr const char* kManagerInterface = "org.uplinkd1.Manager";
inline constexpr const char* kModemInterface = "org.uplinkd1.Modem";
inline constexpr const char* kWanInterface = "org.uplinkd1.Wan";
inline constexpr const char* kAlertRelayInterface = "org.uplinkd1.AlertRelay";
inline constexpr const char* kAlertRelayPath = "/org/uplinkd1/AlertRelay";

// A configured name as one object path element: a-z, A-Z and 0-9 stay, every other byte becomes
// _XX (two lower-case hex digits), so "lte-1" is "lte_2d1" and distinct names stay distinct.
// The empty name is "_".
std::string EscapePathElement(std::string_view name);
// The inverse of EscapePathElement.
std::string UnescapePathElement(std::string_view element);

// /org/uplinkd1/<kind>/<escaped name>, e.g. ObjectPathFor("Modem", "modem1").
std::string ObjectPathFor(std::string_view kind, std::string_view name);

}  // namespace uplinkd::dbus
