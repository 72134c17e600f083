#include "policy/health/probe_settings.h"

#include <array>
#include <utility>

#include "policy/health/http_exchange.h"

namespace uplinkd::policy {
namespace {

constexpr std::array<std::pair<ProbeKind, const char*>, 6> kKindNames{{
    {ProbeKind::kIcmp, "icmp"},
    {ProbeKind::kUdpEcho, "udp-echo"},
    {ProbeKind::kTcp, "tcp"},
    {ProbeKind::kHttp, "http"},
    {ProbeKind::kHttps, "https"},
    {ProbeKind::kDns, "dns"},
}};

// Header sizes that the carrier bills on top of each probe's payload.
constexpr uint64_t kUdpHeader = 8;
constexpr uint64_t kIcmpEchoHeader = 8;
constexpr uint64_t kTcpHeader = 20;
constexpr uint64_t kTcpSynOptions = 20;  // MSS, SACK-permitted, timestamps, window scale
constexpr uint64_t kTcpTimestampOption = 12;
constexpr uint64_t kUdpEchoPayload = 4;  // a random token (see socket_prober.cc)
constexpr uint64_t kHttpResponseAllowance = 300;   // status line and headers of a small answer
constexpr uint64_t kTlsHandshakeAllowance = 5000;  // hellos, a two-certificate chain, finished
constexpr uint64_t kDnsHeader = 12;
constexpr uint64_t kDnsQuestionTail = 4;  // QTYPE, QCLASS
constexpr uint64_t kDnsAnswerRecord = 16;  // name pointer, type, class, ttl, length, IPv4

uint64_t IpHeader(const net::IpAddress& address) { return address.family() == net::IpFamily::kV4 ? 20 : 40; }

uint64_t TcpHandshakeAndReset(uint64_t ip) {
  uint64_t syn = ip + kTcpHeader + kTcpSynOptions;
  uint64_t ack = ip + kTcpHeader + kTcpTimestampOption;
  uint64_t rst = ip + kTcpHeader;
  return syn /* SYN */ + syn /* SYN-ACK */ + ack + rst;
}

uint64_t DnsNameLength(const std::string& name) {
  // Labels with their length bytes and the root label; a trailing dot adds nothing.
  if (name.empty() || name == ".") return 1;
  uint64_t length = name.size() + 2;
  if (name.back() == '.') --length;
  return length;
}

}  // namespace

const char* ProbeKindName(ProbeKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<ProbeKind> ParseProbeKind(const std::string& name) {
  for (const auto& [kind, text] : kKindNames) {
    if (name == text) return kind;
  }
  return std::nullopt;
}

uint16_t DefaultProbePort(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kIcmp: return 0;
    case ProbeKind::kUdpEcho: return 7;
    case ProbeKind::kTcp: return 80;
    case ProbeKind::kHttp: return 80;
    case ProbeKind::kHttps: return 443;
    case ProbeKind::kDns: return 53;
  }
  return 0;
}

std::string DescribeProbeTarget(const ProbeTarget& target) {
  std::string text = std::string(ProbeKindName(target.kind)) + " ";
  std::string address = target.address.ToString();
  if (target.kind == ProbeKind::kIcmp) return text + address;
  uint16_t port = target.port != 0 ? target.port : DefaultProbePort(target.kind);
  text += target.address.family() == net::IpFamily::kV6 ? "[" + address + "]" : address;
  text += ":" + std::to_string(port);
  if (target.kind == ProbeKind::kDns) text += " " + target.dns_name;
  if (target.kind == ProbeKind::kHttp || target.kind == ProbeKind::kHttps) {
    if (!target.http_host.empty()) text += " " + target.http_host;
    text += target.http_path;
  }
  return text;
}

uint64_t ProbeBytes(const ProbeTarget& target) {
  uint64_t ip = IpHeader(target.address);
  switch (target.kind) {
    case ProbeKind::kIcmp: return 2 * (ip + kIcmpEchoHeader);
    case ProbeKind::kUdpEcho: return 2 * (ip + kUdpHeader + kUdpEchoPayload);
    case ProbeKind::kTcp: return TcpHandshakeAndReset(ip);
    case ProbeKind::kHttp:
    case ProbeKind::kHttps: {
      uint64_t request = BuildHttpGetRequest(target).size();
      uint64_t segment = ip + kTcpHeader + kTcpTimestampOption;
      uint64_t bytes = TcpHandshakeAndReset(ip) + segment + request + segment + kHttpResponseAllowance +
                       segment /* our ACK of the answer */;
      if (target.kind == ProbeKind::kHttps) bytes += kTlsHandshakeAllowance + 4 * segment;
      return bytes;
    }
    case ProbeKind::kDns: {
      uint64_t query = ip + kUdpHeader + kDnsHeader + DnsNameLength(target.dns_name) + kDnsQuestionTail;
      return 2 * query + kDnsAnswerRecord;
    }
  }
  return 0;
}

uint64_t SteadyProbeBytesPerHour(const HealthSettings& settings) {
  if (settings.targets.empty() || settings.steady_interval.count() <= 0) return 0;
  uint64_t per_cycle = 0;  // one probe to each target, in turn
  for (const auto& target : settings.targets) per_cycle += ProbeBytes(target);
  uint64_t hour_ms = 3600ull * 1000;
  uint64_t cycle_ms = static_cast<uint64_t>(settings.steady_interval.count()) * settings.targets.size();
  return per_cycle * hour_ms / cycle_ms;
}

uint64_t RecoveryProbeBytesPerHour(const HealthSettings& settings) {
  if (settings.targets.empty() || settings.recovery_interval.count() <= 0) return 0;
  uint64_t per_round = 0;
  for (const auto& target : settings.targets) per_round += ProbeBytes(target);
  return per_round * 3600ull * 1000 / static_cast<uint64_t>(settings.recovery_interval.count());
}

}  // namespace uplinkd::policy
