#include "policy/health/tls_client_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace uplinkd::policy {

std::string TakeTlsErrors() {
  std::string text;
  while (unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    text += (text.empty() ? "" : "; ") + std::string(buffer);
  }
  return text.empty() ? "no OpenSSL error" : text;
}

Result<std::shared_ptr<TlsClientContext>> TlsClientContext::Create(const std::string& ca_file) {
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  if (!context) return MakeError(ErrorCode::kSystem, "SSL_CTX_new: " + TakeTlsErrors());
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  int loaded = ca_file.empty() ? SSL_CTX_set_default_verify_paths(context)
                               : SSL_CTX_load_verify_locations(context, ca_file.c_str(), nullptr);
  if (loaded != 1) {
    std::string errors = TakeTlsErrors();
    SSL_CTX_free(context);
    return MakeError(ErrorCode::kInvalidArgument,
                     "loading CA certificates" + (ca_file.empty() ? "" : " from " + ca_file) + ": " + errors);
  }
  return std::shared_ptr<TlsClientContext>(new TlsClientContext(context));
}

TlsClientContext::~TlsClientContext() { SSL_CTX_free(context_); }

}  // namespace uplinkd::policy
