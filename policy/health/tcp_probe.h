#pragma once
// A TCP connect to the target, and for http(s) a GET whose status line is the answer (https
// over TLS, the server's certificate verified). The RTT is the handshake's (one network round
// trip). The socket closes with an RST (SO_LINGER 0): no FIN exchange, no TIME_WAIT, fewer
// bytes. A refused connection (the target's RST) counts as an answer: the path carried the SYN
// to the host and its RST back.
#include <memory>
#include <string>

#include "policy/health/probe_operation.h"
#include "policy/health/tls_client_context.h"

typedef struct ssl_st SSL;

namespace uplinkd::policy {

class TcpProbe : public ProbeOperation {
 public:
  // `tls`: required for https (nullptr makes an https probe fail), unused otherwise.
  TcpProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done,
           std::shared_ptr<TlsClientContext> tls);
  ~TcpProbe() override;

  void Start() override;

 private:
  enum class Io { kDone, kWantRead, kWantWrite, kClosed, kFailed };

  void OnConnected();
  void Handshake();
  void SendRequest();
  void ReadStatus();
  void WaitFor(Io io, void (TcpProbe::*then)());
  // Plain or TLS; `n` is what moved when kDone.
  Io Write(const char* data, size_t size, size_t& n);
  Io Read(char* data, size_t size, size_t& n);
  uint64_t MeasuredBytes() const;

  std::shared_ptr<TlsClientContext> tls_;
  SSL* ssl_ = nullptr;
  std::string tls_error_;
  std::string request_;
  size_t request_sent_ = 0;
  std::string received_;
  uint64_t payload_read_ = 0;
};

}  // namespace uplinkd::policy
