#pragma once
// An OpenSSL client context for HTTPS probes: TLS 1.2 or later, the peer's certificate verified
// against a CA file (or the system's store) and the probe's host name or address. A captive
// portal or a middlebox answering in the server's place fails verification, so it does not
// count as an answer. Loaded once per CA file (a small file read), then shared by the probes.
#include <memory>
#include <string>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace uplinkd::policy {

class TlsClientContext {
 public:
  static Result<std::shared_ptr<TlsClientContext>> Create(const std::string& ca_file);
  ~TlsClientContext();
  TlsClientContext(const TlsClientContext&) = delete;
  TlsClientContext& operator=(const TlsClientContext&) = delete;

  SSL_CTX* get() const { return context_; }

 private:
  explicit TlsClientContext(SSL_CTX* context) : context_(context) {}
  SSL_CTX* context_;
};

// OpenSSL's error queue as text (and clears it), for a probe's detail.
std::string TakeTlsErrors();

}  // namespace uplinkd::policy
