#pragma once
// A Prober for tests: each target address answers (after its round-trip time, on the Scheduler),
// stays silent (a blackhole), fails at once, or loses a share of its probes at random from a
// fixed seed. Records every probe sent.
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "base/scheduler.h"
#include "policy/health/prober.h"

namespace uplinkd::policy {

class FakeProber : public Prober {
 public:
  struct Behaviour {
    enum class Kind { kAnswer, kSilent, kFailAtOnce } kind = Kind::kAnswer;
    std::chrono::milliseconds rtt{20};
    double loss = 0.0;  // kAnswer only: this share of probes gets no answer
  };
  static Behaviour Answer(std::chrono::milliseconds rtt = std::chrono::milliseconds(20), double loss = 0.0) {
    return {Behaviour::Kind::kAnswer, rtt, loss};
  }
  static Behaviour Silent() { return {Behaviour::Kind::kSilent, {}, 0.0}; }
  static Behaviour FailAtOnce() { return {Behaviour::Kind::kFailAtOnce, {}, 0.0}; }

  struct SentProbe {
    ProbeTarget target;
    SteadyTime at;
  };

  explicit FakeProber(Scheduler& scheduler, uint32_t seed = 1);

  // Targets without a behaviour of their own use the default (answer in 20 ms).
  void SetBehaviour(const net::IpAddress& address, Behaviour behaviour);
  void SetDefault(Behaviour behaviour);

  ProbeHandle Send(const ProbeTarget& target, Done done) override;

  const std::vector<SentProbe>& sent() const { return sent_; }
  size_t SentTo(const net::IpAddress& address) const;
  // Probes sent and neither answered nor cancelled yet (a leak check).
  size_t in_flight() const { return in_flight_->size(); }

 private:
  const Behaviour& BehaviourFor(const net::IpAddress& address) const;

  Scheduler& scheduler_;
  std::mt19937 random_;
  Behaviour default_;
  std::map<net::IpAddress, Behaviour> behaviours_;
  std::vector<SentProbe> sent_;
  uint64_t next_id_ = 0;
  // Each in-flight probe with the timer that will answer it (none for a silent target).
  std::shared_ptr<std::map<uint64_t, TimerHandle>> in_flight_ = std::make_shared<std::map<uint64_t, TimerHandle>>();
};

}  // namespace uplinkd::policy
