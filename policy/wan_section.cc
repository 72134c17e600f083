#include "policy/wan_section.h"

#include "policy/health/health_section.h"

#include <netinet/in.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace uplinkd::config {
namespace {

using policy::ClassificationRule;
using policy::PolicyConfig;
using policy::WanConfig;

std::optional<net::IpAddress> ReadAddress(TomlSection& section, const std::string& key, net::IpFamily family) {
  auto text = section.String(key);
  if (!text) return std::nullopt;
  auto address = net::IpAddress::Parse(*text);
  if (!address || address->family() != family) {
    section.Fail(key, family == net::IpFamily::kV4 ? "must be an IPv4 address" : "must be an IPv6 address");
    return std::nullopt;
  }
  return address;
}

std::optional<net::IpPrefix> ReadPrefix(TomlSection& section, const std::string& key) {
  auto text = section.String(key);
  if (!text) return std::nullopt;
  auto prefix = net::IpPrefix::Parse(*text);
  if (!prefix) {
    // A bare address means the host.
    if (auto address = net::IpAddress::Parse(*text)) {
      return net::IpPrefix(*address, address->family() == net::IpFamily::kV4 ? 32 : 128);
    }
    section.Fail(key, "\"" + *text + "\" is not an address or prefix such as 192.0.2.0/24");
    return std::nullopt;
  }
  return prefix->Network();
}

// "port" as an integer, or "port_range" as "first-last".
std::optional<policy::PortRange> ReadPorts(TomlSection& section, const std::string& key) {
  if (auto port = section.Integer(key, 1, 65535)) {
    auto value = static_cast<uint16_t>(*port);
    return policy::PortRange{value, value};
  }
  std::string range_key = key + "_range";
  auto text = section.String(range_key);
  if (!text) return std::nullopt;
  static const std::regex kRange("([0-9]{1,5})-([0-9]{1,5})");
  std::smatch match;
  if (std::regex_match(*text, match, kRange)) {
    int first = std::stoi(match[1]);
    int last = std::stoi(match[2]);
    if (first >= 1 && first <= last && last <= 65535) {
      return policy::PortRange{static_cast<uint16_t>(first), static_cast<uint16_t>(last)};
    }
  }
  section.Fail(range_key, "must be \"first-last\" with 1 <= first <= last <= 65535");
  return std::nullopt;
}

// [wan.shaping] (docs/lanes.md). Without upload_kbit the Wan gets no lanes; the other keys then
// have nothing to tune, so they are refused rather than silently ignored.
void ReadShaping(TomlSection& section, WanConfig& wan) {
  policy::WanShaping shaping;
  auto upload = section.Integer("upload_kbit", 8, 10000000);
  if (upload) shaping.upload_kbit = static_cast<uint32_t>(*upload);
  auto min = section.Integer("min_kbit", 8, 10000000);
  if (auto adaptive = section.Bool("adaptive")) shaping.adaptive = *adaptive;
  if (auto threshold = section.Integer("delay_threshold_ms", 1, 10000)) {
    shaping.delay_threshold = std::chrono::milliseconds(*threshold);
  }
  if (auto bulk = section.Integer("degraded_bulk_percent", 1, 100)) shaping.degraded_bulk_percent = static_cast<uint32_t>(*bulk);
  if (auto telemetry = section.Integer("degraded_telemetry_percent", 1, 100)) {
    shaping.degraded_telemetry_percent = static_cast<uint32_t>(*telemetry);
  }
  section.RejectUnknownKeys();
  if (!upload) {
    if (section.Has("upload_kbit")) return;  // present but bad: already reported
    for (const char* key : {"min_kbit", "adaptive", "delay_threshold_ms", "degraded_bulk_percent",
                            "degraded_telemetry_percent"}) {
      if (section.Has(key)) section.Fail(key, "needs upload_kbit (without it the Wan has no lanes)");
    }
    return;
  }
  if (min) {
    if (*min > *upload) {
      section.Fail("min_kbit", "must not exceed upload_kbit (" + std::to_string(*upload) + ")");
      return;
    }
    shaping.min_kbit = static_cast<uint32_t>(*min);
  } else {
    shaping.min_kbit = std::max<uint32_t>(8, shaping.upload_kbit / 4);
  }
  wan.shaping = shaping;
}

void ReadWan(TomlSection& section, const std::vector<modem::ModemProfile>& modems, WanConfig& wan) {
  static const std::regex kName("[a-z][a-z0-9_-]{0,14}");
  if (auto name = section.String("name", true)) {
    if (!std::regex_match(*name, kName)) {
      section.Fail("name", "must be 1-15 characters of a-z, 0-9, _ and -, starting with a letter");
    }
    wan.name = *name;
  }
  auto kind = section.Choice("kind", {"modem", "ethernet"}, true);
  if (kind == "modem") {
    wan.kind = policy::WanKind::kModem;
    if (auto modem = section.String("modem", true)) {
      wan.modem = *modem;
      bool known = std::any_of(modems.begin(), modems.end(), [&](const auto& p) { return p.name == *modem; });
      if (!known) section.Fail("modem", "names no [[modem]] (\"" + *modem + "\")");
    }
    for (const char* key : {"interface", "gateway", "gateway6"}) {
      if (section.Has(key)) section.Fail(key, "is for kind = \"ethernet\"; a modem Wan learns it from the bearer");
    }
  } else if (kind == "ethernet") {
    wan.kind = policy::WanKind::kEthernet;
    if (auto interface = section.String("interface", true)) {
      if (interface->empty() || interface->size() > 15) section.Fail("interface", "must be a link name of 1-15 characters");
      wan.interface = *interface;
    }
    wan.gateway_v4 = ReadAddress(section, "gateway", net::IpFamily::kV4);
    wan.gateway_v6 = ReadAddress(section, "gateway6", net::IpFamily::kV6);
    if (!section.Has("gateway") && !section.Has("gateway6")) {
      section.Fail("gateway", "is required for kind = \"ethernet\" (or gateway6)");
    }
    if (section.Has("modem")) section.Fail("modem", "is for kind = \"modem\"");
  }
  if (auto priority = section.Integer("priority", 0, 1000000)) wan.priority = static_cast<uint32_t>(*priority);
  if (auto weight = section.Integer("weight", 1, 1000)) wan.weight = static_cast<uint32_t>(*weight);
  if (auto table = section.Integer("table", 1, 0xfffffffeLL)) {
    if (*table >= 253 && *table <= 255) {
      section.Fail("table", "must not be one of the kernel's own tables (253 default, 254 main, 255 local)");
    } else {
      wan.table = static_cast<uint32_t>(*table);
    }
  }
  if (auto mark = section.Integer("fwmark", 1, 0xffffffffLL)) {
    if ((*mark & ~static_cast<int64_t>(policy::kWanMarkMask)) != 0) {
      section.Fail("fwmark", "must lie inside 0xff00 (0x100, 0x200, ...): the other bits carry the class");
    } else {
      wan.mark = static_cast<uint32_t>(*mark);
    }
  }
  if (auto masquerade = section.Bool("masquerade")) wan.masquerade = *masquerade;
  if (auto health = section.Table("health")) ReadHealthSection(*health, wan.health);
  if (auto shaping = section.Table("shaping")) ReadShaping(*shaping, wan);
  section.RejectUnknownKeys();
}

void ReadClassPolicy(TomlSection& section, policy::ClassPolicy& out) {
  if (auto mode = section.Choice("mode", {"failover", "balance", "lowest-latency"})) {
    out.mode = *mode == "failover" ? policy::PathMode::kFailover
               : *mode == "balance" ? policy::PathMode::kBalance
                                    : policy::PathMode::kLowestLatency;
  }
  if (auto pin = section.String("pin")) out.pinned_wan = *pin;
  section.RejectUnknownKeys();
}

void ReadRule(TomlSection& section, ClassificationRule& rule) {
  if (auto name = section.Choice("class", {"alert", "management", "telemetry", "bulk"}, true)) {
    rule.traffic_class = *policy::ParseTrafficClass(*name);
  }
  if (auto dscp = section.Integer("dscp", 0, 63)) rule.dscp = static_cast<uint8_t>(*dscp);
  if (auto protocol = section.Choice("protocol", {"tcp", "udp"})) {
    rule.protocol = *protocol == "tcp" ? IPPROTO_TCP : IPPROTO_UDP;
  }
  rule.source_port = ReadPorts(section, "source_port");
  rule.destination_port = ReadPorts(section, "destination_port");
  if ((rule.source_port || rule.destination_port) && !rule.protocol) {
    section.Fail("protocol", "is required with ports (\"tcp\" or \"udp\")");
  }
  rule.source = ReadPrefix(section, "source");
  rule.destination = ReadPrefix(section, "destination");
  if (rule.source && rule.destination && rule.source->family() != rule.destination->family()) {
    section.Fail("destination", "must be of the same address family as source");
  }
  if (auto uid = section.Integer("uid", 0, 0xfffffffeLL)) rule.uid = static_cast<uint32_t>(*uid);
  if (auto gid = section.Integer("gid", 0, 0xfffffffeLL)) rule.gid = static_cast<uint32_t>(*gid);
  if (auto mark = section.Integer("socket_mark", 1, policy::kAppMarkMask)) rule.socket_mark = static_cast<uint32_t>(*mark);
  section.RejectUnknownKeys();
}

void ReadPolicy(TomlSection& section, PolicyConfig& out) {
  if (auto lans = section.StringList("lan_interfaces")) {
    for (const auto& name : *lans) {
      if (name.empty() || name.size() > 15) section.Fail("lan_interfaces", "\"" + name + "\" is not a link name");
    }
    out.lan_interfaces = *lans;
  }
  if (auto name = section.Choice("default_class", {"alert", "management", "telemetry", "bulk"})) {
    out.default_class = *policy::ParseTrafficClass(*name);
  }
  if (auto hold = section.Integer("hold_time_ms", 0, 3600000)) out.hold_time = std::chrono::milliseconds(*hold);
  if (auto margin = section.Number("latency_margin", 0.0, 10.0)) out.latency_margin = *margin;
  if (auto lanes = section.Bool("lanes")) out.lanes = *lanes;
  if (auto dscp = section.IntegerList("alert_dscp", 0, 63)) {
    out.alert_dscp.assign(dscp->begin(), dscp->end());
  }
  for (auto traffic_class : policy::kTrafficClasses) {
    if (auto table = section.Table(policy::TrafficClassName(traffic_class))) {
      ReadClassPolicy(*table, out.classes[policy::Index(traffic_class)]);
    }
  }
  for (auto& rule_section : section.TableArray("rule")) {
    ClassificationRule rule;
    ReadRule(rule_section, rule);
    out.rules.push_back(rule);
  }
  section.RejectUnknownKeys();
}

}  // namespace

void ReadWanSections(TomlSection& top, const std::vector<modem::ModemProfile>& modems, PolicyConfig& out) {
  std::map<std::string, std::string> names;
  std::map<std::string, std::string> modems_used;
  std::map<std::string, std::string> interfaces_used;
  std::vector<TomlSection> sections = top.TableArray("wan");
  size_t position = 0;
  for (auto& section : sections) {
    ++position;
    WanConfig wan;
    ReadWan(section, modems, wan);
    if (!wan.name.empty() && !names.emplace(wan.name, section.path()).second) {
      section.Fail("name", "\"" + wan.name + "\" is already used by " + names[wan.name]);
    }
    if (!wan.modem.empty() && !modems_used.emplace(wan.modem, wan.name).second) {
      section.Fail("modem", "modem \"" + wan.modem + "\" is already the Wan " + modems_used[wan.modem]);
    }
    if (!wan.interface.empty() && !interfaces_used.emplace(wan.interface, wan.name).second) {
      section.Fail("interface", "\"" + wan.interface + "\" is already the Wan " + interfaces_used[wan.interface]);
    }
    if (wan.table == 0 && !section.Has("table")) wan.table = policy::DefaultWanTable(position);
    if (wan.mark == 0 && !section.Has("fwmark")) {
      if (position > 255) section.Fail("fwmark", "no default beyond 255 Wans");
      wan.mark = policy::DefaultWanMark(position);
    }
    out.wans.push_back(std::move(wan));
  }
  // Tables and marks must be unique, explicit or derived.
  std::map<uint32_t, std::string> tables;
  std::map<uint32_t, std::string> marks;
  for (size_t i = 0; i < out.wans.size(); ++i) {
    const auto& wan = out.wans[i];
    if (wan.table != 0 && !tables.emplace(wan.table, wan.name).second) {
      sections[i].Fail("table", "table " + std::to_string(wan.table) + " is already the Wan " + tables[wan.table]);
    }
    if (wan.mark != 0 && !marks.emplace(wan.mark, wan.name).second) {
      sections[i].Fail("fwmark", "mark " + std::to_string(wan.mark) + " is already the Wan " + marks[wan.mark]);
    }
  }

  auto policy_section = top.Table("policy");
  if (!policy_section) return;
  ReadPolicy(*policy_section, out);
  for (auto traffic_class : policy::kTrafficClasses) {
    const auto& pin = out.classes[policy::Index(traffic_class)].pinned_wan;
    if (!pin.empty() && !out.FindWan(pin)) {
      auto table = policy_section->Table(policy::TrafficClassName(traffic_class));
      table->Fail("pin", "names no [[wan]] (\"" + pin + "\")");
    }
  }
  if (out.wans.empty()) policy_section->Fail("lan_interfaces", "[policy] needs at least one [[wan]]");
  for (const auto& lan : out.lan_interfaces) {
    if (interfaces_used.count(lan)) {
      policy_section->Fail("lan_interfaces", "\"" + lan + "\" is the Wan " + interfaces_used[lan]);
    }
  }
}

}  // namespace uplinkd::config
