#include "policy/health/http_exchange.h"

#include <cctype>

namespace uplinkd::policy {

std::string BuildHttpGetRequest(const ProbeTarget& target) {
  std::string host = target.http_host;
  if (host.empty()) {
    host = target.address.ToString();
    if (target.address.family() == net::IpFamily::kV6) host = "[" + host + "]";
  }
  std::string path = target.http_path.empty() ? "/" : target.http_path;
  return "GET " + path + " HTTP/1.1\r\nHost: " + host +
         "\r\nUser-Agent: uplinkd-health\r\nConnection: close\r\n\r\n";
}

std::optional<int> ParseHttpStatusLine(std::string_view received) {
  size_t end = received.find('\n');
  if (end == std::string_view::npos) {
    // A status line is short; a long line without an end is not one.
    return received.size() > 512 ? std::optional<int>(-1) : std::nullopt;
  }
  std::string_view line = received.substr(0, end);
  // "HTTP/1.x SSS" at least.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return -1;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return -1;
    code = code * 10 + (line[i] - '0');
  }
  if (line.size() > 12 && line[12] != ' ' && line[12] != '\r') return -1;
  return code;
}

}  // namespace uplinkd::policy
