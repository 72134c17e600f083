#pragma once
// ModemWanState and ModemEvent as JSON, for status.json, uplinkctl and the lab's observers.
// Field names are the snake_case of the C++ members; enums are their *Name() strings.
#include <nlohmann/json.hpp>

#include "modem/modem_wan_state.h"

namespace uplinkd::modem {

nlohmann::json ToJson(const ModemWanState& state);
nlohmann::json ToJson(const ModemEvent& event);

}  // namespace uplinkd::modem
