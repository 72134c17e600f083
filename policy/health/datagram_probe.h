#pragma once
// One UDP request and its reply, on a socket connected to the target (so only the target's
// datagrams arrive): udp-echo sends a random 4-byte token and wants it back; dns sends an A query
// and wants its response (any rcode). The target's port-unreachable counts as an answer: the
// path carried the request to the host and the host's reply back.
#include <vector>

#include "policy/health/probe_operation.h"

namespace uplinkd::policy {

class DatagramProbe : public ProbeOperation {
 public:
  // `request`: the token or the DNS query.
  DatagramProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done,
                std::vector<uint8_t> request);
  void Start() override;

 private:
  void Receive();

  std::vector<uint8_t> request_;
};

}  // namespace uplinkd::policy
