#pragma once
// Name resolution off the event loop: a host name becomes numeric addresses without a blocking
// getaddrinfo on the loop (a Wan outage is exactly when a resolver stops answering, and exactly
// when failover must keep running). The real one is CaresHostResolver (c-ares driven by the
// io_context); tests use FakeHostResolver.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd {

struct ResolveRequest {
  std::string host;  // a name, or an IP literal (answered without a query)
  // Where the queries leave from, so a Wan's broker name is resolved over that Wan: the source
  // address (IPv4 or IPv6 literal) and device of the DNS sockets; empty: the kernel chooses.
  std::string bind_address;
  std::string bind_device;
  // DNS servers ("addr" or "addr:port", IPv6 as "[addr]:port"); empty: the system's
  // (/etc/resolv.conf, read by c-ares).
  std::vector<std::string> servers;
  // Only addresses of this family: AF_INET, AF_INET6 or AF_UNSPEC (both).
  int family = 0;
  friend bool operator==(const ResolveRequest&, const ResolveRequest&) = default;
};

// Numeric addresses in the resolver's order, never empty on success.
using ResolveCallback = std::function<void(Result<std::vector<std::string>> addresses)>;

// A resolution in progress; destroying it cancels it (the callback is then never called).
class PendingResolution {
 public:
  virtual ~PendingResolution() = default;
};

class HostResolver {
 public:
  virtual ~HostResolver() = default;
  // Starts resolving; `done` runs on the event loop, never inside Resolve, once (unless the
  // returned handle is destroyed first). Errors: kTimeout when no answer came in time (the message
  // names the host and the servers), kNotFound for a name that does not exist, kUnavailable else.
  [[nodiscard]] virtual std::unique_ptr<PendingResolution> Resolve(const ResolveRequest& request,
                                                                   ResolveCallback done) = 0;
};

// `host` as a numeric IPv4/IPv6 address in canonical form, or nullopt for a name.
std::optional<std::string> NumericAddress(const std::string& host);

}  // namespace uplinkd
