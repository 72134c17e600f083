#pragma once
// uplinkctl's output for people, made from the same JSON that --json prints, so both always
// show the same facts. Objects are JSON objects keyed by D-Bus property name plus "Path".
#include <string>

#include <nlohmann/json.hpp>

namespace uplinkd::ctl {

// snapshot: {"manager": {...}, "modems": [...], "wans": [...], "alert_relay": {...} or null}
std::string FormatStatus(const nlohmann::json& snapshot, bool color);
std::string FormatModemTable(const nlohmann::json& modems, bool color);
std::string FormatWanTable(const nlohmann::json& wans, bool color);
// Every property of one object, one per line, aligned.
std::string FormatDetail(const nlohmann::json& object, bool color);
// One monitor event: {"time", "event", "object", "interface", "properties"}.
std::string FormatEvent(const nlohmann::json& event, bool color);

// The audit log (UplinkdClient::ReadAudit rows): time, principal, command, arguments, result.
std::string FormatAuditTable(const nlohmann::json& rows, bool color);

// A property value for a table cell: strings bare, booleans yes/no, numbers short, lists and
// maps compact; "-" for empty or missing.
std::string CellText(const nlohmann::json& value);

}  // namespace uplinkd::ctl
