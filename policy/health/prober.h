#pragma once
// The narrow edge between health tracking and the network: send one probe, hear once whether
// it was answered. The real implementation (SocketProber) sends from sockets bound to the Wan;
// FakeProber answers from a script on the Scheduler. Timeouts are the caller's: it cancels the
// probe (drops the handle) when it stops waiting.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "policy/health/probe_settings.h"

namespace uplinkd::policy {

struct ProbeOutcome {
  // The target answered: an echo reply, a DNS response, an HTTP status line, a TCP handshake
  // (or the target's RST or port-unreachable for tcp and udp-echo: the path worked).
  bool answered = false;
  // One network round trip: echo/query to reply; for tcp, http and https the TCP handshake.
  std::chrono::microseconds rtt{0};
  uint64_t bytes = 0;  // IP bytes sent and received, headers included
  std::string detail;  // what answered ("HTTP 204", "rcode 3") or why not ("network unreachable")
};

// Cancels the probe when destroyed or reset: its callback will not run afterwards.
class ProbeHandle {
 public:
  ProbeHandle() = default;
  explicit ProbeHandle(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  ProbeHandle(ProbeHandle&& other) noexcept : cancel_(std::move(other.cancel_)) { other.cancel_ = nullptr; }
  ProbeHandle& operator=(ProbeHandle&& other) noexcept {
    if (this != &other) {
      Cancel();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  ProbeHandle(const ProbeHandle&) = delete;
  ProbeHandle& operator=(const ProbeHandle&) = delete;
  ~ProbeHandle() { Cancel(); }

  void Cancel() {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }

 private:
  std::function<void()> cancel_;
};

class Prober {
 public:
  using Done = std::function<void(const ProbeOutcome&)>;
  virtual ~Prober() = default;
  // Sends one probe. `done` runs once, later on the event loop (never from inside Send), unless
  // the handle is cancelled or destroyed first. A probe that cannot be sent (no route, link
  // down) completes at once with answered=false.
  [[nodiscard]] virtual ProbeHandle Send(const ProbeTarget& target, Done done) = 0;
};

}  // namespace uplinkd::policy
