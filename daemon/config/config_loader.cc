#include "daemon/config/config_loader.h"

#include <map>
#include <regex>

#include <netinet/in.h>

#include "relay/alerts_section.h"
#include "control/control_section.h"
#include "dbus/dbus_access_section.h"
#include "base/toml_document.h"
#include "base/toml_section.h"
#include "policy/wan_section.h"

namespace uplinkd::config {
namespace {

void ReadDaemonSection(TomlSection& section, DaemonConfig& config) {
  if (auto level = section.Choice("log_level", {"error", "warning", "notice", "info", "debug"})) {
    config.log_level = *LogLevelFromName(*level);
  }
  for (auto [key, field] : {std::pair{"state_dir", &config.state_dir},
                            std::pair{"runtime_dir", &config.runtime_dir}}) {
    if (auto dir = section.String(key)) {
      if (dir->empty() || dir->front() != '/') {
        section.Fail(key, "must be an absolute path");
      } else {
        *field = *dir;
      }
    }
  }
  section.RejectUnknownKeys();
}

void ReadDbusSection(TomlSection& section, DaemonConfig& config) {
  if (auto bus = section.String("bus")) {
    if (*bus != "system" && bus->find(':') == std::string::npos) {
      section.Fail("bus", "must be \"system\" or a D-Bus address such as unix:path=/run/bus.sock");
    } else {
      config.bus = *bus;
    }
  }
  if (auto name = section.String("modem_manager_service")) config.modem_manager_service = *name;
  ReadDbusAccessKeys(section, config.dbus_access);
  section.RejectUnknownKeys();
}

std::chrono::milliseconds Millis(int64_t value) { return std::chrono::milliseconds(value); }
std::chrono::milliseconds Seconds(int64_t value) { return std::chrono::seconds(value); }

void ReadApnSection(TomlSection& section, modem::ApnProfile& apn) {
  if (auto name = section.String("apn", true)) apn.apn = *name;
  if (auto type = section.Choice("ip_type", {"ipv4", "ipv6", "ipv4v6"})) apn.ip_type = *modem::ParseBearerIpType(*type);
  if (auto methods = section.StringList("allowed_auth")) {
    for (const auto& method : *methods) {
      if (auto parsed = modem::ParseAuthMethod(method)) {
        apn.allowed_auth.push_back(*parsed);
      } else {
        section.Fail("allowed_auth", "unknown method \"" + method + "\" (none, pap, chap, mschap, mschapv2, eap)");
      }
    }
  }
  if (auto user = section.String("user")) apn.user = *user;
  if (auto file = section.String("password_file")) apn.password_file = *file;
  if (auto roaming = section.Bool("allow_roaming")) apn.allow_roaming = *roaming;
  if (auto ip = section.String("expected_ipv4")) {
    auto parsed = net::IpAddress::Parse(*ip);
    if (!parsed || parsed->family() != net::IpFamily::kV4) {
      section.Fail("expected_ipv4", "must be an IPv4 address");
    } else {
      apn.expected_ipv4 = *parsed;
    }
  }
  if (auto prefixes = section.StringList("private_prefixes")) {
    for (const auto& text : *prefixes) {
      if (auto prefix = net::IpPrefix::Parse(text)) {
        apn.private_prefixes.push_back(prefix->Network());
      } else {
        section.Fail("private_prefixes", "\"" + text + "\" is not a prefix such as 192.0.2.0/24");
      }
    }
  }
  if (auto servers = section.StringList("dns")) {
    for (const auto& text : *servers) {
      if (auto address = net::IpAddress::Parse(text)) {
        apn.dns.push_back(*address);
      } else {
        section.Fail("dns", "\"" + text + "\" is not an IP address");
      }
    }
  }
  section.RejectUnknownKeys();
}

void ReadRecoverySection(TomlSection& section, modem::RecoverySettings& recovery) {
  if (auto v = section.Integer("backoff_initial_ms", 100, 600000)) recovery.backoff_initial = Millis(*v);
  if (auto v = section.Integer("backoff_max_ms", 100, 3600000)) recovery.backoff_max = Millis(*v);
  if (auto v = section.Number("backoff_multiplier", 1.0, 10.0)) recovery.backoff_multiplier = *v;
  if (auto v = section.Number("backoff_jitter", 0.0, 0.9)) recovery.backoff_jitter = *v;
  if (auto v = section.Integer("attempts_before_escalation", 1, 1000)) {
    recovery.attempts_before_escalation = static_cast<uint32_t>(*v);
  }
  if (auto v = section.Integer("escalation_window_s", 1, 86400)) recovery.escalation_window = Seconds(*v);
  if (auto v = section.Integer("call_timeout_s", 1, 600)) recovery.call_timeout = Seconds(*v);
  if (auto v = section.Integer("connect_timeout_s", 1, 900)) recovery.connect_timeout = Seconds(*v);
  if (auto v = section.Integer("registration_timeout_s", 1, 3600)) recovery.registration_timeout = Seconds(*v);
  if (auto v = section.Integer("ip_config_timeout_s", 1, 600)) recovery.ip_config_timeout = Seconds(*v);
  if (recovery.backoff_max < recovery.backoff_initial) {
    section.Fail("backoff_max_ms", "must not be smaller than backoff_initial_ms");
  }
  section.RejectUnknownKeys();
}

void ReadModemSection(TomlSection& section, modem::ModemProfile& profile) {
  static const std::regex kName("[a-z][a-z0-9_-]{0,14}");
  if (auto name = section.String("name", true)) {
    if (!std::regex_match(*name, kName)) {
      section.Fail("name", "must be 1-15 characters of a-z, 0-9, _ and -, starting with a letter");
    }
    profile.name = *name;
  }
  if (auto match = section.Table("match", true)) {
    int given = 0;
    for (const char* kind : {"imei", "device", "iccid"}) {
      if (auto value = match->String(kind)) {
        ++given;
        profile.match = {*modem::ParseModemMatchKind(kind), *value};
        if (value->empty()) match->Fail(kind, "must not be empty");
      }
    }
    if (given != 1) section.Fail("match", "must name exactly one of imei, device, iccid");
    match->RejectUnknownKeys();
  }
  if (auto file = section.String("pin_file")) {
    if (file->empty() || file->front() != '/') section.Fail("pin_file", "must be an absolute path");
    profile.pin_file = *file;
  }
  if (auto rate = section.Integer("signal_refresh_s", 0, 3600)) profile.signal_refresh_rate = std::chrono::seconds(*rate);
  if (auto apn = section.Table("apn", true)) ReadApnSection(*apn, profile.apn);
  if (auto recovery = section.Table("recovery")) ReadRecoverySection(*recovery, profile.recovery);
  section.RejectUnknownKeys();
}

void ReadModems(TomlSection& top, DaemonConfig& config) {
  std::map<std::string, std::string> seen_names;
  std::map<std::pair<modem::ModemMatchKind, std::string>, std::string> seen_matches;
  for (auto& section : top.TableArray("modem")) {
    modem::ModemProfile profile;
    ReadModemSection(section, profile);
    if (!profile.name.empty() && !seen_names.emplace(profile.name, section.path()).second) {
      section.Fail("name", "\"" + profile.name + "\" is already used by " + seen_names[profile.name]);
    }
    auto identity = std::pair{profile.match.kind, profile.match.value};
    if (!profile.match.value.empty() && !seen_matches.emplace(identity, profile.name).second) {
      section.Fail("match", "the same modem is already configured as " + seen_matches[identity]);
    }
    config.modems.push_back(std::move(profile));
  }
}

void ReadInferenceSection(TomlSection& section, DaemonConfig::Inference& inference) {
  if (auto enabled = section.Bool("enabled")) inference.enabled = *enabled;
  for (auto [key, field] : {std::pair{"worker", &inference.worker}, std::pair{"config", &inference.config}}) {
    if (auto path = section.String(key)) {
      if (path->empty() || path->front() != '/') {
        section.Fail(key, "must be an absolute path");
      } else {
        *field = *path;
      }
    }
  }
  if (auto user = section.String("user")) inference.user = *user;
  if (auto group = section.String("group")) inference.group = *group;
  section.RejectUnknownKeys();
}

// The relay binds one broker session to each Wan's address (docs/alert-relay.md); the policy's
// nftables table pins such sockets to their Wan, in the alert class. Derived here, not written in
// the file, so a reload of an unchanged file compares equal.
void PinRelaySessions(DaemonConfig& config) {
  if (!config.alerts.enabled || !config.policy.enabled()) return;
  config.policy.local_pins.push_back(
      {IPPROTO_TCP, static_cast<uint16_t>(config.alerts.broker_port), policy::TrafficClass::kAlert});
}

ConfigLoader::Outcome Verify(const toml::value& root, const std::string& name) {
  ConfigLoader::Outcome outcome;
  TomlSection top(root, "", name, outcome.issues);
  if (auto daemon = top.Table("daemon")) ReadDaemonSection(*daemon, outcome.config);
  if (auto dbus = top.Table("dbus")) ReadDbusSection(*dbus, outcome.config);
  if (auto control = top.Table("control")) ReadControlSection(*control, outcome.config.control);
  ReadModems(top, outcome.config);
  ReadWanSections(top, outcome.config.modems, outcome.config.policy);
  if (auto inference = top.Table("inference")) ReadInferenceSection(*inference, outcome.config.inference);
  if (auto alerts = top.Table("alerts")) ReadAlertsSection(*alerts, outcome.config.alerts);
  top.RejectUnknownKeys();
  PinRelaySessions(outcome.config);
  return outcome;
}

ConfigLoader::Outcome Refused(ConfigIssue issue) {
  ConfigLoader::Outcome outcome;
  outcome.issues.push_back(std::move(issue));
  return outcome;
}

}  // namespace

ConfigLoader::Outcome ConfigLoader::LoadString(const std::string& text, const std::string& name) {
  auto root = TomlDocument::Parse(text, name);
  if (!root) return Refused(std::move(root.error()));
  try {
    return Verify(*root, name);
  } catch (const std::exception& error) {
    return Refused({name, 0, error.what()});
  }
}

ConfigLoader::Outcome ConfigLoader::LoadFile(const std::string& path) {
  auto text = TomlDocument::Read(path);
  if (!text) return Refused(std::move(text.error()));
  return LoadString(*text, path);
}

}  // namespace uplinkd::config
