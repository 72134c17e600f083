#pragma once
// The health-tracking settings of one Wan: what to probe, how often, and when to call it up,
// down or degraded. Filled by the [wan.health] parser (policy/health/health_section.h); every
// field has a default that keeps a blackholed path detected within a second while the steady
// probe traffic stays under the byte cap (docs/health.md has the arithmetic).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "net/ip_address.h"

namespace uplinkd::policy {

enum class ProbeKind { kIcmp, kUdpEcho, kTcp, kHttp, kHttps, kDns };

// "icmp", "udp-echo", "tcp", "http", "https", "dns".
const char* ProbeKindName(ProbeKind kind);
std::optional<ProbeKind> ParseProbeKind(const std::string& name);
// The port a kind uses when the target names none (0 for icmp).
uint16_t DefaultProbePort(ProbeKind kind);

struct ProbeTarget {
  ProbeKind kind = ProbeKind::kIcmp;
  net::IpAddress address;
  uint16_t port = 0;             // 0: DefaultProbePort(kind)
  std::string dns_name;          // dns: the name asked for (an A query; any answer counts)
  std::string http_host;         // http(s): the Host header; empty: the address
  std::string http_path = "/";   // http(s): the path of the GET
  std::string tls_ca_file;       // https: CA certificates to verify against; empty: the system's
  friend bool operator==(const ProbeTarget&, const ProbeTarget&) = default;
};

// "icmp 203.0.113.10", "tcp 203.0.113.10:443", "dns 192.0.2.53 example.com", for logs and state.
std::string DescribeProbeTarget(const ProbeTarget& target);

// IP bytes (headers included, both directions) one answered probe to `target` costs: what the
// carrier bills. ICMP echo without payload is 2 x 28 bytes over IPv4; the TCP kinds count the
// handshake and an RST close; HTTPS counts a typical TLS 1.3 handshake with a certificate chain.
uint64_t ProbeBytes(const ProbeTarget& target);

struct HealthSettings {
  std::vector<ProbeTarget> targets;
  // k of n: a round is good when at least `reliability` targets answer (1 <= k <= n).
  uint32_t reliability = 1;

  // While Up, one probe (to the next target in turn) every steady_interval.
  std::chrono::milliseconds steady_interval{450};
  // The moment a probe is lost: a confirmation round to every target every fast_interval.
  std::chrono::milliseconds fast_interval{100};
  // While Down (or before the first Up): a recovery round to every target this often.
  std::chrono::milliseconds recovery_interval{1000};
  // A probe is lost when unanswered after an adaptive timeout (smoothed RTT + 4 x RTT
  // variation, as TCP's RTO) kept between these two bounds.
  std::chrono::milliseconds timeout_min{100};
  std::chrono::milliseconds timeout{1000};

  // Probes kept for the windowed RTT, jitter and loss (20 steady probes: the last 9 s).
  uint32_t window = 20;
  // Hysteresis: consecutive bad confirmation rounds before Down (fast), consecutive good rounds
  // before Up (cautious), and the least time a Wan stays Down before it may come Up again; the
  // hold doubles with each further Down within flap_window, up to hold_max (flap damping).
  uint32_t down_rounds = 2;
  uint32_t up_rounds = 5;
  std::chrono::milliseconds min_hold{5000};
  std::chrono::milliseconds hold_max{120000};
  std::chrono::milliseconds flap_window{600000};

  // Degraded (usable but poor): windowed loss at or above degraded_loss, or the windowed RTT
  // above degraded_rtt_factor x the Wan's own baseline RTT and at least degraded_rtt_margin
  // over it, or the modem's signal quality under degraded_signal_percent.
  double degraded_loss = 0.1;
  double degraded_rtt_factor = 3.0;
  std::chrono::milliseconds degraded_rtt_margin{50};
  uint32_t degraded_signal_percent = 20;
  // Signal quality under this makes an Up Wan Suspect at once (confirmation rounds start);
  // 0 disables.
  uint32_t suspect_signal_percent = 5;

  // Hard cap on probe traffic (IP bytes sent and received); the steady cost must fit under it
  // (checked when the configuration is read), bursts are paid from a token bucket.
  uint64_t max_probe_bytes_per_hour = 500 * 1024;

  friend bool operator==(const HealthSettings&, const HealthSettings&) = default;
};

// Bytes per hour that steady probing costs while the Wan is Up: one probe per steady_interval,
// taking the targets in turn.
uint64_t SteadyProbeBytesPerHour(const HealthSettings& settings);
// Bytes per hour of recovery rounds (every target each recovery_interval) while the Wan is Down.
uint64_t RecoveryProbeBytesPerHour(const HealthSettings& settings);

}  // namespace uplinkd::policy
