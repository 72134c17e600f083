#pragma once
// A TCP connect to the target, and for http a GET whose status line is the answer. The RTT is the
// handshake's (one network round trip). The socket closes with an RST (SO_LINGER 0): no FIN
// exchange, no TIME_WAIT, fewer bytes. A refused connection (the target's RST) counts as an
// answer: the path carried the SYN to the host and its RST back.
#include <string>

#include "policy/health/probe_operation.h"

namespace uplinkd::policy {

class TcpProbe : public ProbeOperation {
 public:
  TcpProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done);
  void Start() override;

 private:
  void OnConnected();
  void SendRequest();
  void ReadStatus();

  std::string request_;
  size_t request_sent_ = 0;
  std::string received_;
};

}  // namespace uplinkd::policy
