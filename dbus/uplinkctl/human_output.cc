#include "dbus/uplinkctl/human_output.h"

#include <algorithm>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "dbus/uplinkctl/text_table.h"

namespace uplinkd::ctl {
namespace {

std::string Field(const nlohmann::json& object, const char* key) {
  return object.contains(key) ? CellText(object[key]) : "-";
}

std::string SignalText(const nlohmann::json& modem) {
  if (!modem.contains("SignalQuality")) return "-";
  std::string text = fmt::format("{}%", modem["SignalQuality"].get<uint64_t>());
  if (modem.contains("Signal") && modem["Signal"].contains("rsrp_dbm")) {
    text += fmt::format(" ({:.0f} dBm)", modem["Signal"]["rsrp_dbm"].get<double>());
  }
  return text;
}

std::string OperatorText(const nlohmann::json& modem) {
  std::string name = Field(modem, "OperatorName");
  std::string code = Field(modem, "OperatorCode");
  if (name == "-") return code;
  return code == "-" ? name : name + " (" + code + ")";
}

std::string Millis(const nlohmann::json& object, const char* key) {
  if (!object.contains(key) || !object[key].is_number()) return "-";
  double value = object[key].get<double>();
  return value < 0 || std::isnan(value) ? "-" : fmt::format("{:.1f} ms", value);
}

}  // namespace

std::string CellText(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_string()) {
    auto text = value.get<std::string>();
    return text.empty() ? "-" : text;
  }
  if (value.is_number_float()) return fmt::format("{:g}", value.get<double>());
  if (value.is_number()) return value.dump();
  if (value.is_array()) {
    if (value.empty()) return "-";
    std::string text;
    for (const auto& item : value) text += (text.empty() ? "" : ", ") + CellText(item);
    return text;
  }
  if (value.empty()) return "-";
  std::string text;
  for (const auto& [key, item] : value.items()) text += (text.empty() ? "" : " ") + key + "=" + CellText(item);
  return text;
}

std::string FormatModemTable(const nlohmann::json& modems, bool color) {
  TextTable table({"MODEM", "PHASE", "WAN", "OPERATOR", "TECH", "SIGNAL", "INTERFACE", "IPV4"});
  for (const auto& modem : modems) {
    table.AddRow({Field(modem, "Name"), Field(modem, "Phase"), modem.value("WanUp", false) ? "up" : "down",
                  OperatorText(modem), Field(modem, "AccessTechnology"), SignalText(modem), Field(modem, "Interface"),
                  Field(modem, "Ipv4Address")});
  }
  return table.Render(color);
}

std::string FormatWanTable(const nlohmann::json& wans, bool color) {
  TextTable table({"WAN", "STATE", "DEGRADED", "INTERFACE", "RTT", "JITTER", "LOSS", "REASON"});
  for (const auto& wan : wans) {
    std::string loss = wan.contains("Loss") && wan["Loss"].is_number()
                           ? fmt::format("{:.1f}%", wan["Loss"].get<double>() * 100)
                           : "-";
    table.AddRow({Field(wan, "Name"), Field(wan, "State"), Field(wan, "Degraded"), Field(wan, "Interface"),
                  Millis(wan, "RttMs"), Millis(wan, "JitterMs"), loss, Field(wan, "Reason")});
  }
  return table.Render(color);
}

std::string FormatDetail(const nlohmann::json& object, bool color) {
  size_t width = 0;
  for (const auto& [key, value] : object.items()) width = std::max(width, key.size());
  std::string out;
  for (const auto& [key, value] : object.items()) {
    out += Bold(key + ":", color) + std::string(width - key.size() + 1, ' ') + Colorize(CellText(value), color) + "\n";
  }
  return out;
}

std::string FormatStatus(const nlohmann::json& snapshot, bool color) {
  const auto& manager = snapshot["manager"];
  std::string out;
  out += fmt::format("{} {}  {} of {} uplinks up  config generation {} ({})  log level {}\n",
                     Bold("uplinkd " + Field(manager, "Version"), color), Colorize(Field(manager, "State"), color),
                     Field(manager, "UplinksUp"), Field(manager, "UplinksConfigured"),
                     Field(manager, "ConfigGeneration"), Field(manager, "ConfigPath"), Field(manager, "LogLevel"));
  if (manager.contains("Paths") && !manager["Paths"].empty()) {
    out += "paths: " + CellText(manager["Paths"]) + "\n";
  }
  std::string last_reload = Field(manager, "LastReload");
  if (last_reload != "none" && last_reload != "-") out += "last reload: " + last_reload + "\n";
  if (snapshot.contains("wans") && !snapshot["wans"].empty()) out += "\n" + FormatWanTable(snapshot["wans"], color);
  if (snapshot.contains("modems") && !snapshot["modems"].empty()) {
    out += "\n" + FormatModemTable(snapshot["modems"], color);
  }
  if (snapshot.contains("alert_relay") && snapshot["alert_relay"].is_object()) {
    out += "\nalert relay:\n" + FormatDetail(snapshot["alert_relay"], color);
  }
  return out;
}

std::string FormatEvent(const nlohmann::json& event, bool color) {
  std::string line = Field(event, "time") + "  " + Bold(Field(event, "object"), color) + "  " + Field(event, "event");
  if (event.contains("properties")) {
    for (const auto& [key, value] : event["properties"].items()) {
      std::string text = CellText(value);
      line += "  " + key + "=" + (text.find(' ') == std::string::npos ? Colorize(text, color) : "\"" + text + "\"");
    }
  }
  if (event.contains("interfaces")) line += "  " + CellText(event["interfaces"]);
  return line + "\n";
}

std::string FormatAuditTable(const nlohmann::json& rows, bool color) {
  TextTable table({"TIME", "PRINCIPAL", "VIA", "COMMAND", "ARGUMENTS", "RESULT"});
  for (const auto& row : rows) {
    auto ms = row.value("time_ms", uint64_t{0});
    std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    std::string time = fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", local.tm_year + 1900, local.tm_mon + 1,
                                   local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
    std::string outcome = row.value("outcome", "");
    std::string result = row.value("permitted", false) ? outcome : "refused";
    std::string message = row.value("message", "");
    if (!message.empty()) result += ": " + message;
    table.AddRow({time, Field(row, "principal"), Field(row, "via"), Field(row, "command"), Field(row, "arguments"),
                  result});
  }
  return table.Render(color);
}

}  // namespace uplinkd::ctl
