#include "policy/health/health_section.h"

#include <fmt/format.h>

namespace uplinkd::config {
namespace {

using std::chrono::milliseconds;

void ReadTarget(TomlSection& section, policy::ProbeTarget& target) {
  if (auto kind = section.Choice("kind", {"icmp", "udp-echo", "tcp", "http", "https", "dns"}, true)) {
    target.kind = *policy::ParseProbeKind(*kind);
  }
  if (auto text = section.String("address", true)) {
    if (auto address = net::IpAddress::Parse(*text)) {
      target.address = *address;
    } else {
      section.Fail("address", "\"" + *text + "\" is not an IP address");
    }
  }
  bool is_http = target.kind == policy::ProbeKind::kHttp || target.kind == policy::ProbeKind::kHttps;
  if (auto port = section.Integer("port", 1, 65535)) {
    if (target.kind == policy::ProbeKind::kIcmp) {
      section.Fail("port", "icmp probes have no port");
    } else {
      target.port = static_cast<uint16_t>(*port);
    }
  }
  if (auto name = section.String("name", target.kind == policy::ProbeKind::kDns)) {
    if (target.kind != policy::ProbeKind::kDns) {
      section.Fail("name", "only dns probes ask for a name");
    } else {
      target.dns_name = *name;
    }
  }
  if (auto host = section.String("host")) {
    if (!is_http) {
      section.Fail("host", "only http and https probes send a Host");
    } else {
      target.http_host = *host;
    }
  }
  if (auto path = section.String("path")) {
    if (!is_http) {
      section.Fail("path", "only http and https probes have a path");
    } else if (path->empty() || path->front() != '/' ||
               path->find_first_of(" \r\n") != std::string::npos) {
      section.Fail("path", "must start with / and contain no spaces or line breaks");
    } else {
      target.http_path = *path;
    }
  }
  if (auto file = section.String("ca_file")) {
    if (target.kind != policy::ProbeKind::kHttps) {
      section.Fail("ca_file", "only https probes verify certificates");
    } else if (file->empty() || file->front() != '/') {
      section.Fail("ca_file", "must be an absolute path");
    } else {
      target.tls_ca_file = *file;
    }
  }
  if (target.kind == policy::ProbeKind::kDns && !target.dns_name.empty()) {
    // The same rules the prober's query builder applies.
    std::string name = target.dns_name;
    if (name.back() == '.') name.pop_back();
    bool valid = !name.empty() && name.size() <= 253;
    size_t start = 0;
    while (valid && start <= name.size()) {
      size_t dot = name.find('.', start);
      if (dot == std::string::npos) dot = name.size();
      valid = dot > start && dot - start <= 63;
      start = dot + 1;
    }
    if (!valid) section.Fail("name", "\"" + target.dns_name + "\" is not a DNS name");
  }
  section.RejectUnknownKeys();
}

void ReadMillis(TomlSection& section, const char* key, int64_t min, int64_t max, milliseconds& field) {
  if (auto value = section.Integer(key, min, max)) field = milliseconds(*value);
}

void ReadCount(TomlSection& section, const char* key, int64_t min, int64_t max, uint32_t& field) {
  if (auto value = section.Integer(key, min, max)) field = static_cast<uint32_t>(*value);
}

}  // namespace

void ReadHealthSection(TomlSection& section, policy::HealthSettings& settings) {
  auto targets = section.TableArray("targets");
  if (!section.Has("targets")) section.Fail("targets", "is required (at least one probe target)");
  settings.targets.clear();
  for (auto& target_section : targets) {
    policy::ProbeTarget target;
    ReadTarget(target_section, target);
    settings.targets.push_back(std::move(target));
  }
  if (section.Has("targets") && targets.empty()) section.Fail("targets", "must list at least one target");

  if (auto k = section.Integer("reliability", 1, 64)) {
    settings.reliability = static_cast<uint32_t>(*k);
    if (!settings.targets.empty() && *k > static_cast<int64_t>(settings.targets.size())) {
      section.Fail("reliability", fmt::format("asks for {} answering targets of {}", *k, settings.targets.size()));
    }
  }
  ReadMillis(section, "steady_interval_ms", 50, 3600000, settings.steady_interval);
  ReadMillis(section, "fast_interval_ms", 10, 60000, settings.fast_interval);
  ReadMillis(section, "recovery_interval_ms", 50, 3600000, settings.recovery_interval);
  ReadMillis(section, "timeout_min_ms", 10, 60000, settings.timeout_min);
  ReadMillis(section, "timeout_ms", 10, 60000, settings.timeout);
  ReadCount(section, "window", 2, 1000, settings.window);
  ReadCount(section, "down_rounds", 1, 100, settings.down_rounds);
  ReadCount(section, "up_rounds", 1, 1000, settings.up_rounds);
  ReadMillis(section, "min_hold_ms", 0, 86400000, settings.min_hold);
  ReadMillis(section, "hold_max_ms", 0, 86400000, settings.hold_max);
  if (auto window = section.Integer("flap_window_s", 0, 86400)) settings.flap_window = std::chrono::seconds(*window);
  if (auto loss = section.Number("degraded_loss", 0.0, 1.0)) settings.degraded_loss = *loss;
  if (auto factor = section.Number("degraded_rtt_factor", 1.0, 1000.0)) settings.degraded_rtt_factor = *factor;
  ReadMillis(section, "degraded_rtt_margin_ms", 0, 60000, settings.degraded_rtt_margin);
  ReadCount(section, "degraded_signal_percent", 0, 100, settings.degraded_signal_percent);
  ReadCount(section, "suspect_signal_percent", 0, 100, settings.suspect_signal_percent);
  if (auto cap = section.Integer("max_probe_kb_per_hour", 1, 1000000)) {
    settings.max_probe_bytes_per_hour = static_cast<uint64_t>(*cap) * 1024;
  }

  if (settings.fast_interval > settings.steady_interval) {
    section.Fail("fast_interval_ms", "must not be longer than steady_interval_ms");
  }
  if (settings.timeout_min > settings.timeout) {
    section.Fail("timeout_min_ms", "must not be longer than timeout_ms");
  }
  if (settings.hold_max < settings.min_hold) {
    section.Fail("hold_max_ms", "must not be shorter than min_hold_ms");
  }
  if (settings.suspect_signal_percent > settings.degraded_signal_percent) {
    section.Fail("suspect_signal_percent", "must not be above degraded_signal_percent");
  }
  uint64_t steady = policy::SteadyProbeBytesPerHour(settings);
  if (steady > settings.max_probe_bytes_per_hour) {
    section.Fail("steady_interval_ms",
                 fmt::format("steady probing costs {} bytes/hour, over max_probe_kb_per_hour ({} bytes); "
                             "probe less often or use cheaper probes (icmp)",
                             steady, settings.max_probe_bytes_per_hour));
  }
  section.RejectUnknownKeys();
}

}  // namespace uplinkd::config
