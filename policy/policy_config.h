#pragma once
// The multi-WAN configuration after parsing and verification: the Wans ([[wan]]), and how each
// traffic class picks among them ([policy]). Plain values; the config parser fills them
// (policy/wan_section.cc), the policy engine and the actuators read them.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "net/ip_prefix.h"
#include "policy/health/probe_settings.h"

namespace uplinkd::policy {

// The traffic classes of the architecture brief, highest priority first.
enum class TrafficClass : uint8_t { kAlert, kManagement, kTelemetry, kBulk };
inline constexpr size_t kTrafficClassCount = 4;
inline constexpr std::array<TrafficClass, kTrafficClassCount> kTrafficClasses = {
    TrafficClass::kAlert, TrafficClass::kManagement, TrafficClass::kTelemetry, TrafficClass::kBulk};
const char* TrafficClassName(TrafficClass traffic_class);
std::optional<TrafficClass> ParseTrafficClass(std::string_view name);
inline size_t Index(TrafficClass traffic_class) { return static_cast<size_t>(traffic_class); }

// Mark layout (packet mark and connmark), chosen so `ip rule` and `nft list` read clearly:
//   bits  0..7   free for applications (SO_MARK) to classify their own sockets
//   bits  8..15  the Wan (its fwmark): what the fwmark rules route by
//   bits 16..19  the traffic class (1 + class index)
inline constexpr uint32_t kAppMarkMask = 0x000000ff;
inline constexpr uint32_t kWanMarkMask = 0x0000ff00;
inline constexpr uint32_t kClassMarkMask = 0x000f0000;
inline uint32_t ClassMark(TrafficClass traffic_class) { return (Index(traffic_class) + 1) << 16; }

// Defaults derived from a Wan's position n (1-based) among the [[wan]] sections.
inline constexpr uint32_t kFirstWanTable = 100;  // table 100 + n
inline uint32_t DefaultWanTable(size_t position) { return kFirstWanTable + static_cast<uint32_t>(position); }
inline uint32_t DefaultWanMark(size_t position) { return static_cast<uint32_t>(position) << 8; }

// Rule priorities uplinkd uses (ip rule). Lower is looked at first; main is 32766.
inline constexpr uint32_t kRulePriorityLan = 9000;       // to <lan prefix> lookup main
// The fwmark rules come before the source rules: a flow's class decides its Wan even when its
// socket took another Wan's address (masquerade then fixes the source); unmarked traffic bound to
// a Wan's address (and replies, whose connmark names the Wan they came in by) still leaves by it.
inline constexpr uint32_t kRulePriorityFwmark = 10000;   // + n: fwmark <wan mark>/0xff00 lookup <wan table>
inline constexpr uint32_t kRulePrioritySource = 11000;   // + n: from <wan address> lookup <wan table>

enum class WanKind : uint8_t { kModem, kEthernet };

// [wan.shaping]: the Wan's priority lanes (docs/lanes.md). Present only with upload_kbit: a Wan
// without it gets no HTB (strict priority only helps where uplinkd's queue is the bottleneck).
struct WanShaping {
  uint32_t upload_kbit = 0;  // the link's nominal uplink capacity: the shaper's ceiling
  uint32_t min_kbit = 0;     // the adaptive rate's floor (the parser defaults it to 25% of upload)
  bool adaptive = true;      // the rate follows RTT under load (ShaperRateController)
  std::chrono::milliseconds delay_threshold{30};  // RTT over baseline that counts as queueing
  uint32_t degraded_bulk_percent = 10;            // bulk ceil when the Wan is degraded
  uint32_t degraded_telemetry_percent = 50;       // telemetry ceil when severely degraded
  friend bool operator==(const WanShaping&, const WanShaping&) = default;
};

struct WanConfig {
  std::string name;
  WanKind kind = WanKind::kModem;
  std::string modem;      // kModem: the [[modem]] whose bearer this Wan is
  std::string interface;  // kEthernet: the link; kModem: learnt from the bearer
  std::optional<net::IpAddress> gateway_v4;  // kEthernet: static next hops
  std::optional<net::IpAddress> gateway_v6;
  uint32_t priority = 100;  // failover order: lower first
  uint32_t weight = 1;      // share in balance mode
  uint32_t table = 0;       // routing table (verified non-zero, unique)
  uint32_t mark = 0;        // fwmark, inside kWanMarkMask (verified non-zero, unique)
  bool masquerade = false;  // SNAT LAN traffic to the Wan's address
  // [wan.health]: probes and hysteresis. No targets: health follows the link and bearer alone.
  HealthSettings health;
  std::optional<WanShaping> shaping;  // none: no lanes on this Wan
  friend bool operator==(const WanConfig&, const WanConfig&) = default;
};

enum class PathMode : uint8_t { kFailover, kBalance, kLowestLatency };
const char* PathModeName(PathMode mode);

struct ClassPolicy {
  PathMode mode = PathMode::kFailover;
  std::string pinned_wan;  // empty: none; else preferred whenever it is usable
  friend bool operator==(const ClassPolicy&, const ClassPolicy&) = default;
};

struct PortRange {
  uint16_t first = 0;
  uint16_t last = 0;
  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// One [[policy.rule]]: a packet matching every given field belongs to `traffic_class`. Rules
// are tried in file order; the first match wins; unmatched traffic is the default class.
struct ClassificationRule {
  TrafficClass traffic_class = TrafficClass::kTelemetry;
  std::optional<uint8_t> dscp;
  std::optional<uint8_t> protocol;  // IPPROTO_TCP or IPPROTO_UDP (required with ports)
  std::optional<PortRange> source_port;
  std::optional<PortRange> destination_port;
  std::optional<net::IpPrefix> source;
  std::optional<net::IpPrefix> destination;
  std::optional<uint32_t> uid;  // local sockets only
  std::optional<uint32_t> gid;
  std::optional<uint32_t> socket_mark;  // (mark & kAppMarkMask) == socket_mark
  friend bool operator==(const ClassificationRule&, const ClassificationRule&) = default;
};

// A local socket whose source address is one of a Wan's addresses and whose destination is
// `destination_port` is pinned to that Wan, in `traffic_class`. The daemon fills these (the alert
// relay binds one MQTT session to each Wan's address and cannot SO_MARK a socket before its SYN).
struct LocalFlowPin {
  uint8_t protocol = 0;  // IPPROTO_TCP or IPPROTO_UDP
  uint16_t destination_port = 0;
  TrafficClass traffic_class = TrafficClass::kAlert;
  friend bool operator==(const LocalFlowPin&, const LocalFlowPin&) = default;
};

struct PolicyConfig {
  std::vector<WanConfig> wans;  // file order
  std::array<ClassPolicy, kTrafficClassCount> classes{};
  std::vector<ClassificationRule> rules;
  TrafficClass default_class = TrafficClass::kTelemetry;
  // Forwarded to the Wans (and masqueraded where set). Their prefixes, learnt from the links, are
  // looked up in main before any Wan table so traffic towards the LAN never leaves by a Wan.
  std::vector<std::string> lan_interfaces;
  // A class keeps its path at least this long before it moves again, unless a Wan on it goes down.
  std::chrono::milliseconds hold_time{5000};
  // lowest-latency moves only to a Wan faster by this fraction of the current one's RTT.
  double latency_margin = 0.2;
  // HTB lanes on the Wans with [wan.shaping] and the nft chain that picks them. false: neither
  // (plain routing, the benchmark's baseline).
  bool lanes = true;
  // DSCP values that make a packet an alert when no [[policy.rule]] matched it first: other
  // programs mark their alert traffic this way (EF 46 and CS5 40 by default).
  std::vector<uint8_t> alert_dscp = {46, 40};
  // Not from the file: the daemon fills it.
  std::vector<LocalFlowPin> local_pins;

  const WanConfig* FindWan(const std::string& name) const;
  bool enabled() const { return !wans.empty(); }
  friend bool operator==(const PolicyConfig&, const PolicyConfig&) = default;
};

}  // namespace uplinkd::policy
