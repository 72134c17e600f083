#pragma once
// A minimal DNS query for health probing: one A question with recursion desired, over UDP. Any
// well-formed response to it (NXDOMAIN and SERVFAIL included) shows the server was reached.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace uplinkd::policy {

// The query message; nullopt when `name` is not a valid DNS name (labels of 1-63 bytes, 253 at
// most in all).
std::optional<std::vector<uint8_t>> BuildDnsQuery(const std::string& name, uint16_t id);

struct DnsResponseSummary {
  uint8_t rcode = 0;
  uint16_t answers = 0;
};

// The summary when `response` answers `query` (same id, a response, the same question);
// nullopt for anything else (another query's answer, garbage).
std::optional<DnsResponseSummary> MatchDnsResponse(std::span<const uint8_t> query,
                                                   std::span<const uint8_t> response);

}  // namespace uplinkd::policy
