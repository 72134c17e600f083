#pragma once
// The real Prober: every probe on its own non-blocking socket, bound to the Wan (interface, mark,
// source address), waited on through the daemon's io_context. Nothing blocks: sockets are
// non-blocking and readiness comes from the loop.
#include <boost/asio/io_context.hpp>

#include <map>
#include <memory>
#include <random>
#include <string>

#include "policy/health/icmp_echo_probe.h"
#include "policy/health/probe_binding.h"
#include "policy/health/prober.h"
#include "policy/health/tls_client_context.h"

namespace uplinkd::policy {

class SocketProber : public Prober {
 public:
  SocketProber(boost::asio::io_context& io, ProbeBinding binding);

  // When the Wan's addresses change (a new bearer): later probes use the new binding.
  void SetBinding(ProbeBinding binding) { binding_ = std::move(binding); }
  const ProbeBinding& binding() const { return binding_; }

  ProbeHandle Send(const ProbeTarget& target, Done done) override;

 private:
  boost::asio::io_context& io_;
  ProbeBinding binding_;
  // The TLS context for an https target's CA file, loaded on first use; null if it failed.
  std::shared_ptr<TlsClientContext> TlsFor(const std::string& ca_file);

  std::shared_ptr<IcmpSocketChoice> icmp_choice_ = std::make_shared<IcmpSocketChoice>();
  std::map<std::string, std::shared_ptr<TlsClientContext>> tls_contexts_;
  std::mt19937 random_;
  uint16_t icmp_identifier_;
  uint16_t icmp_sequence_ = 0;
};

}  // namespace uplinkd::policy
