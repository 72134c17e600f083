#include "policy/health/dns_query.h"

#include <cctype>

namespace uplinkd::policy {
namespace {

constexpr size_t kHeaderSize = 12;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kClassIn = 1;
constexpr uint8_t kRecursionDesired = 0x01;  // in the third header byte
constexpr uint8_t kResponseBit = 0x80;

void PutU16(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value & 0xff));
}

uint16_t GetU16(std::span<const uint8_t> bytes, size_t at) {
  return static_cast<uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

}  // namespace

std::optional<std::vector<uint8_t>> BuildDnsQuery(const std::string& name, uint16_t id) {
  std::string text = name;
  if (!text.empty() && text.back() == '.') text.pop_back();
  if (text.empty() || text.size() > 253) return std::nullopt;
  std::vector<uint8_t> query;
  PutU16(query, id);
  query.push_back(kRecursionDesired);
  query.push_back(0);
  PutU16(query, 1);  // QDCOUNT
  PutU16(query, 0);  // ANCOUNT
  PutU16(query, 0);  // NSCOUNT
  PutU16(query, 0);  // ARCOUNT
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    size_t length = dot - start;
    if (length == 0 || length > 63) return std::nullopt;
    query.push_back(static_cast<uint8_t>(length));
    query.insert(query.end(), text.begin() + static_cast<long>(start), text.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  query.push_back(0);
  PutU16(query, kTypeA);
  PutU16(query, kClassIn);
  return query;
}

std::optional<DnsResponseSummary> MatchDnsResponse(std::span<const uint8_t> query,
                                                   std::span<const uint8_t> response) {
  if (query.size() <= kHeaderSize || response.size() < query.size()) return std::nullopt;
  if (GetU16(response, 0) != GetU16(query, 0)) return std::nullopt;
  if ((response[2] & kResponseBit) == 0) return std::nullopt;
  if (GetU16(response, 4) != 1) return std::nullopt;
  // The question comes back as asked; servers may change the letter case (DNS 0x20).
  for (size_t i = kHeaderSize; i < query.size(); ++i) {
    if (std::tolower(query[i]) != std::tolower(response[i])) return std::nullopt;
  }
  return DnsResponseSummary{static_cast<uint8_t>(response[3] & 0x0f), GetU16(response, 6)};
}

}  // namespace uplinkd::policy
