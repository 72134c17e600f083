#include "policy/health/fake_prober.h"

namespace uplinkd::policy {

FakeProber::FakeProber(Scheduler& scheduler, uint32_t seed) : scheduler_(scheduler), random_(seed) {}

void FakeProber::SetBehaviour(const net::IpAddress& address, Behaviour behaviour) {
  behaviours_[address] = behaviour;
}

void FakeProber::SetDefault(Behaviour behaviour) { default_ = behaviour; }

const FakeProber::Behaviour& FakeProber::BehaviourFor(const net::IpAddress& address) const {
  auto it = behaviours_.find(address);
  return it == behaviours_.end() ? default_ : it->second;
}

size_t FakeProber::SentTo(const net::IpAddress& address) const {
  size_t count = 0;
  for (const auto& probe : sent_) count += probe.target.address == address ? 1 : 0;
  return count;
}

ProbeHandle FakeProber::Send(const ProbeTarget& target, Done done) {
  sent_.push_back({target, scheduler_.Now()});
  const Behaviour& behaviour = BehaviourFor(target.address);
  uint64_t id = next_id_++;
  auto in_flight = in_flight_;
  ProbeOutcome outcome;
  outcome.bytes = ProbeBytes(target);
  std::chrono::milliseconds delay{0};
  bool answers = false;
  switch (behaviour.kind) {
    case Behaviour::Kind::kAnswer:
      answers = std::uniform_real_distribution<double>(0.0, 1.0)(random_) >= behaviour.loss;
      outcome.answered = true;
      outcome.rtt = behaviour.rtt;
      outcome.detail = "fake answer";
      delay = behaviour.rtt;
      break;
    case Behaviour::Kind::kSilent:
      break;
    case Behaviour::Kind::kFailAtOnce:
      answers = true;  // the failure is reported, like a local ENETUNREACH
      outcome.bytes = 0;
      outcome.detail = "network unreachable";
      break;
  }
  TimerHandle timer;
  if (answers) {
    timer = scheduler_.RunAfter(delay, [in_flight, id, outcome, done = std::move(done)] {
      in_flight->erase(id);
      done(outcome);
    });
  }
  in_flight->emplace(id, std::move(timer));
  return ProbeHandle([in_flight, id] { in_flight->erase(id); });
}

}  // namespace uplinkd::policy
