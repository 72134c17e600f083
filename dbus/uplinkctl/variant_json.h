#pragma once
// D-Bus property values (sdbus Variants) as JSON, for --json output and for formatting. Covers
// the types uplinkd's API uses: s o b y n q i u x t d, as, a{sd} a{st} a{ss} a{su} a{si} a{sb}.
#include <map>
#include <string>

#include <nlohmann/json.hpp>
#include <sdbus-c++/Types.h>

namespace uplinkd::ctl {

nlohmann::json VariantToJson(const sdbus::Variant& value);
nlohmann::json PropertiesToJson(const std::map<std::string, sdbus::Variant>& properties);

}  // namespace uplinkd::ctl
