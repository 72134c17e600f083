#include "policy/health/socket_prober.h"

#include <boost/asio/post.hpp>

#include "base/logger.h"
#include "policy/health/datagram_probe.h"
#include "policy/health/dns_query.h"
#include "policy/health/tcp_probe.h"

namespace uplinkd::policy {

SocketProber::SocketProber(boost::asio::io_context& io, ProbeBinding binding)
    : io_(io), binding_(std::move(binding)), random_(std::random_device{}()) {
  icmp_identifier_ = static_cast<uint16_t>(random_());
}

std::shared_ptr<TlsClientContext> SocketProber::TlsFor(const std::string& ca_file) {
  auto it = tls_contexts_.find(ca_file);
  if (it != tls_contexts_.end()) return it->second;
  auto context = TlsClientContext::Create(ca_file);
  if (!context) {
    Logger(LogModule::kPolicy).Error("https probes: {}", Describe(context.error()));
    // Remembered as failed: not retried (and logged) on every probe.
    return tls_contexts_[ca_file] = nullptr;
  }
  return tls_contexts_[ca_file] = *context;
}

ProbeHandle SocketProber::Send(const ProbeTarget& target, Done done) {
  if (binding_.interface.empty() && !binding_.allow_unbound) {
    // The Wan's interface is not known yet (a bearer still connecting): nothing may be sent.
    ProbeOutcome outcome;
    outcome.detail = "not bound to an interface";
    auto pending = std::make_shared<bool>(true);
    boost::asio::post(io_, [pending, outcome, done = std::move(done)] {
      if (*pending) done(outcome);
    });
    return ProbeHandle([pending] { *pending = false; });
  }
  std::shared_ptr<ProbeOperation> operation;
  switch (target.kind) {
    case ProbeKind::kIcmp:
      operation = std::make_shared<IcmpEchoProbe>(io_, binding_, target, std::move(done), icmp_choice_,
                                                  icmp_identifier_, ++icmp_sequence_);
      break;
    case ProbeKind::kUdpEcho: {
      uint32_t token = static_cast<uint32_t>(random_());
      std::vector<uint8_t> request = {static_cast<uint8_t>(token >> 24), static_cast<uint8_t>(token >> 16),
                                      static_cast<uint8_t>(token >> 8), static_cast<uint8_t>(token)};
      operation = std::make_shared<DatagramProbe>(io_, binding_, target, std::move(done), std::move(request));
      break;
    }
    case ProbeKind::kDns: {
      auto query = BuildDnsQuery(target.dns_name, static_cast<uint16_t>(random_()));
      // The config parser rejects bad names; an empty query would never be answered.
      operation = std::make_shared<DatagramProbe>(io_, binding_, target, std::move(done),
                                                  query ? std::move(*query) : std::vector<uint8_t>{});
      break;
    }
    case ProbeKind::kTcp:
    case ProbeKind::kHttp:
    case ProbeKind::kHttps:
      operation = std::make_shared<TcpProbe>(
          io_, binding_, target, std::move(done),
          target.kind == ProbeKind::kHttps ? TlsFor(target.tls_ca_file) : nullptr);
      break;
  }
  operation->Start();
  std::weak_ptr<ProbeOperation> weak = operation;
  return ProbeHandle([weak] {
    if (auto alive = weak.lock()) alive->Cancel();
  });
}

}  // namespace uplinkd::policy
