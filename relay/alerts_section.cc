#include "relay/alerts_section.h"

#include <charconv>
#include <regex>

namespace uplinkd::config {
namespace {

bool IsAbsolute(const std::string& path) { return !path.empty() && path.front() == '/'; }

// A tc class handle "major:minor" (hex, as tc and nft print it) or a plain integer.
std::optional<uint32_t> ParsePriority(const std::string& text) {
  static const std::regex kHandle("([0-9a-fA-F]{1,4}):([0-9a-fA-F]{1,4})");
  std::smatch match;
  if (std::regex_match(text, match, kHandle)) {
    return static_cast<uint32_t>(std::stoul(match[1], nullptr, 16) << 16 | std::stoul(match[2], nullptr, 16));
  }
  uint32_t value = 0;
  auto [rest, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || rest != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

void ReadAlertsSection(TomlSection& section, AlertsConfig& alerts) {
  alerts.enabled = section.Bool("enabled").value_or(true);
  for (auto [key, field] : {std::pair{"socket", &alerts.socket}, std::pair{"tls_ca_file", &alerts.tls_ca_file},
                            std::pair{"tls_cert_file", &alerts.tls_cert_file},
                            std::pair{"tls_key_file", &alerts.tls_key_file}}) {
    if (auto path = section.String(key)) {
      if (!IsAbsolute(*path)) {
        section.Fail(key, "must be an absolute path");
      } else {
        *field = *path;
      }
    }
  }
  if (auto group = section.String("socket_group")) alerts.socket_group = *group;
  if (auto host = section.String("broker_host", alerts.enabled)) {
    if (host->empty()) section.Fail("broker_host", "must not be empty");
    alerts.broker_host = *host;
  }
  if (auto port = section.Integer("broker_port", 1, 65535)) alerts.broker_port = static_cast<int>(*port);
  if (auto topic = section.String("topic")) {
    if (topic->empty() || topic->find_first_of("+#") != std::string::npos) {
      section.Fail("topic", "must be a non-empty topic name without wildcards");
    } else {
      alerts.topic = *topic;
    }
  }
  if (auto id = section.String("client_id")) {
    if (id->empty() || id->size() > 128) {
      section.Fail("client_id", "must be 1-128 characters");
    } else {
      alerts.client_id = *id;
    }
  }
  if (auto v = section.Integer("keepalive_s", 5, 3600)) alerts.keepalive_s = static_cast<int>(*v);
  if (auto v = section.Integer("qos", 0, 2)) {
    if (*v == 0) {
      // QoS 0 has no PUBACK: an alert would count as delivered once written to the socket, and
      // one lost with a dying link would be gone although its producer was told it is safe.
      section.Fail("qos", "0 is refused: the relay marks an alert delivered only on the broker's PUBACK (use 1 or 2)");
    } else {
      alerts.qos = static_cast<int>(*v);
    }
  }
  if (auto v = section.Integer("outbox_max_alerts", 1, 10'000'000)) alerts.outbox_max_alerts = static_cast<uint64_t>(*v);
  if (auto v = section.Integer("max_in_flight", 1, 1000)) alerts.max_in_flight = static_cast<int>(*v);
  if (auto v = section.Integer("park_after_attempts", 0, 1000)) alerts.park_after_attempts = static_cast<int>(*v);
  if (auto v = section.Integer("connect_timeout_ms", 100, 600000)) alerts.connect_timeout_ms = static_cast<int>(*v);
  if (auto v = section.Integer("ack_timeout_ms", 100, 600000)) alerts.ack_timeout_ms = static_cast<int>(*v);
  if (auto v = section.Integer("backoff_initial_ms", 10, 600000)) alerts.backoff_initial_ms = static_cast<int>(*v);
  if (auto v = section.Integer("backoff_max_ms", 10, 3600000)) alerts.backoff_max_ms = static_cast<int>(*v);
  if (alerts.backoff_max_ms < alerts.backoff_initial_ms) {
    section.Fail("backoff_max_ms", "must not be smaller than backoff_initial_ms");
  }
  if (auto text = section.String("socket_priority")) {
    if (auto priority = ParsePriority(*text)) {
      alerts.socket_priority = *priority;
    } else {
      section.Fail("socket_priority", "must be a tc class handle such as \"1:10\" or an integer");
    }
  }
  if (auto mark = section.Integer("socket_mark", 0, 0xffffffffLL)) alerts.socket_mark = static_cast<uint32_t>(*mark);
  if (auto duplicate = section.Bool("duplicate_when_degraded")) alerts.duplicate_when_degraded = *duplicate;
  // The kernel takes 2 jiffies to 200 ms; below 2 jiffies it refuses and its default stays.
  if (auto v = section.Integer("rto_min_ms", 0, 200)) alerts.rto_min_ms = static_cast<int>(*v);
  if (alerts.tls_cert_file.empty() != alerts.tls_key_file.empty()) {
    section.Fail(alerts.tls_cert_file.empty() ? "tls_key_file" : "tls_cert_file",
                 "a client certificate needs both tls_cert_file and tls_key_file");
  }
  if (!alerts.tls_cert_file.empty() && alerts.tls_ca_file.empty()) {
    section.Fail("tls_cert_file", "a client certificate needs TLS: set tls_ca_file");
  }
  if (alerts.broker_port == 0) alerts.broker_port = alerts.tls_ca_file.empty() ? 1883 : 8883;
  section.RejectUnknownKeys();
}

}  // namespace uplinkd::config
