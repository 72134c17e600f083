#pragma once
// [alerts]: the alert relay (docs/alert-relay.md, docs/configuration.md). Present means enabled
// unless `enabled = false`; then broker_host is required. Strict: unknown keys and bad values are
// located issues.
#include <cstdint>
#include <optional>
#include <string>

#include "base/toml_section.h"

namespace uplinkd::config {

struct AlertsConfig {
  bool enabled = false;
  std::string socket;        // empty: <runtime_dir>/alerts.sock
  std::string socket_group;  // empty: the daemon's group
  std::string broker_host;
  int broker_port = 0;       // 0: 8883 with TLS, 1883 without
  std::string topic = "uplinkd/alerts";
  std::string client_id = "uplinkd";
  int keepalive_s = 30;
  int qos = 1;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  uint64_t outbox_max_alerts = 10000;
  int max_in_flight = 16;
  // Failed broker sessions an alert may be blamed for before it is parked (0: never).
  int park_after_attempts = 5;
  int connect_timeout_ms = 10000;
  int ack_timeout_ms = 10000;
  int backoff_initial_ms = 500;
  int backoff_max_ms = 30000;
  std::optional<uint32_t> socket_priority;  // SO_PRIORITY of the broker connection
  std::optional<uint32_t> socket_mark;      // SO_MARK of the broker connection
  // With a policy: when every usable Wan is degraded, publish each alert on every Wan's session.
  bool duplicate_when_degraded = true;
  // TCP_RTO_MIN_US of the broker connections (Linux >= 6.15), in ms; 0: the kernel's (200 ms).
  int rto_min_ms = 20;
  friend bool operator==(const AlertsConfig&, const AlertsConfig&) = default;
};

void ReadAlertsSection(TomlSection& section, AlertsConfig& alerts);

}  // namespace uplinkd::config
