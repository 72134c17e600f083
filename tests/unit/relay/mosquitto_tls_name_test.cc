// TLS to a broker reached by a literal address: libmosquitto is handed the resolved literal, yet
// the certificate must be verified against, and SNI must carry, the configured name. An
// in-process TLS server on loopback (certificate made here) records the SNI it was sent and
// answers the MQTT CONNECT.
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "base/asio_scheduler.h"
#include "base/fake_host_resolver.h"
#include "relay/mosquitto_mqtt_session.h"
#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

// A self-signed certificate (its own CA) for `san`, e.g. "DNS:broker.example.test".
struct Certificate {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  explicit Certificate(const std::string& san) {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("uplinkd test broker"),
                               -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
      X509_add_ext(cert, extension, -1);
      X509_EXTENSION_free(extension);
    }
    X509_sign(cert, key, EVP_sha256());
  }
  ~Certificate() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  void WritePem(const std::string& path) const {
    FILE* file = std::fopen(path.c_str(), "w");
    PEM_write_X509(file, cert);
    std::fclose(file);
  }
};

// One TLS connection on 127.0.0.1, served on its own thread: records the SNI, answers CONNECT
// with CONNACK, then waits for the client to close (bounded).
class TlsBroker {
 public:
  explicit TlsBroker(const Certificate& certificate) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listener_, 1);
    socklen_t size = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(ctx_, certificate.cert);
    SSL_CTX_use_PrivateKey(ctx_, certificate.key);
    thread_ = std::thread([this] { Serve(); });
  }
  ~TlsBroker() {
    Join();
    SSL_CTX_free(ctx_);
    ::close(listener_);
  }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  // Read after Join().
  std::optional<std::string> sni;
  bool handshake_ok = false;

 private:
  void Serve() {
    pollfd waiting{listener_, POLLIN, 0};
    if (::poll(&waiting, 1, 5000) != 1) return;
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval bound{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof(bound));
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      handshake_ok = true;
      if (const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) sni = name;
      char buffer[512];
      if (SSL_read(ssl, buffer, sizeof(buffer)) > 0) {  // CONNECT
        const unsigned char connack[] = {0x20, 0x02, 0x00, 0x00};
        SSL_write(ssl, connack, sizeof(connack));
        while (SSL_read(ssl, buffer, sizeof(buffer)) > 0) {
        }
      }
    }
    SSL_free(ssl);
    ::close(fd);
  }

  int listener_ = -1;
  int port_ = 0;
  SSL_CTX* ctx_ = nullptr;
  std::thread thread_;
};

struct Outcome {
  bool connected = false;
  std::optional<std::string> ended;
};

// Connects to `broker_host` (resolved by the fake to 127.0.0.1) with `ca` as the trust anchor.
Outcome ConnectByName(const std::string& broker_host, int port, const std::string& ca_file, FakeHostResolver& resolver) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  BrokerEndpoint endpoint;
  endpoint.host = broker_host;
  endpoint.port = port;
  endpoint.ca_file = ca_file;
  Outcome outcome;
  MqttSessionHandlers handlers;
  handlers.on_connected = [&] { outcome.connected = true; };
  handlers.on_ended = [&](const std::string& reason) { outcome.ended = reason; };
  auto session = MosquittoMqttSession::Create(io, scheduler, resolver, endpoint, {}, handlers);
  if (!session) {
    outcome.ended = Describe(session.error());
    return outcome;
  }
  if (auto started = (*session)->Connect(); !started) {
    outcome.ended = Describe(started.error());
    return outcome;
  }
  if (resolver.waiting() > 0) resolver.Answer(std::vector<std::string>{"127.0.0.1"});
  auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!outcome.connected && !outcome.ended && std::chrono::steady_clock::now() < bound) {
    io.run_one_for(std::chrono::milliseconds(100));
  }
  session->reset();  // closes the connection: the broker thread ends
  return outcome;
}

TEST(MosquittoTlsNameTest, TheCertificateIsVerifiedAgainstTheNameAndSniCarriesIt) {
  TempDir dir;
  Certificate certificate("DNS:broker.example.test");
  certificate.WritePem(dir.File("ca.pem"));
  FakeHostResolver resolver;
  TlsBroker broker(certificate);
  auto outcome = ConnectByName("broker.example.test", broker.port(), dir.File("ca.pem"), resolver);
  broker.Join();
  EXPECT_EQ(resolver.asked().size(), 1u);  // connected to the literal the resolver gave
  EXPECT_TRUE(outcome.connected) << outcome.ended.value_or("no outcome");
  EXPECT_TRUE(broker.handshake_ok);
  EXPECT_EQ(broker.sni, "broker.example.test");
}

TEST(MosquittoTlsNameTest, ACertificateForAnotherNameIsRefused) {
  TempDir dir;
  Certificate certificate("DNS:other.example.test");
  certificate.WritePem(dir.File("ca.pem"));
  FakeHostResolver resolver;
  TlsBroker broker(certificate);
  auto outcome = ConnectByName("broker.example.test", broker.port(), dir.File("ca.pem"), resolver);
  broker.Join();
  EXPECT_FALSE(outcome.connected);
  EXPECT_TRUE(outcome.ended.has_value());
  EXPECT_FALSE(broker.handshake_ok);
}

TEST(MosquittoTlsNameTest, ALiteralBrokerHostIsVerifiedAgainstTheCertificatesAddress) {
  TempDir dir;
  Certificate certificate("IP:127.0.0.1");
  certificate.WritePem(dir.File("ca.pem"));
  FakeHostResolver resolver;
  TlsBroker broker(certificate);
  auto outcome = ConnectByName("127.0.0.1", broker.port(), dir.File("ca.pem"), resolver);
  broker.Join();
  EXPECT_TRUE(resolver.asked().empty());
  EXPECT_TRUE(outcome.connected) << outcome.ended.value_or("no outcome");
  EXPECT_FALSE(broker.sni.has_value()) << "an address is never sent as SNI";
}

}  // namespace
}  // namespace uplinkd::relay
