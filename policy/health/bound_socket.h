#pragma once
// A non-blocking socket already bound to a Wan (device, mark, source address), as a file
// descriptor owned by the caller. Every setting is applied before anything is sent.
#include "base/result.h"
#include "net/ip_address.h"
#include "policy/health/probe_binding.h"

namespace uplinkd::policy {

class BoundSocket {
 public:
  // socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol), then SO_BINDTODEVICE,
  // SO_MARK and bind() to the binding's source address for that family (port 0).
  static Result<int> Open(const ProbeBinding& binding, net::IpFamily family, int type, int protocol);
};

}  // namespace uplinkd::policy
