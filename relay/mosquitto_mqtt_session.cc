#include "relay/mosquitto_mqtt_session.h"

#include <mosquitto.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "base/descriptor_closer.h"
#include "base/logger.h"

namespace uplinkd::relay {
namespace {

constexpr std::chrono::milliseconds kHousekeepingInterval{250};

MosquittoMqttSession* Self(void* object) { return static_cast<MosquittoMqttSession*>(object); }

// Linux 6.15 uapi; older libc headers lack it.
#ifndef TCP_RTO_MIN_US
constexpr int TCP_RTO_MIN_US = 45;
#endif

std::string OpenSslError(const char* what) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  char text[256] = {};
  if (code != 0) ERR_error_string_n(code, text, sizeof(text));
  return fmt::format("{}: {}", what, code != 0 ? text : "failed");
}

// libmosquitto sets SNI to the host it connects to (here always a literal) just before the
// handshake; the ClientHello is built after this callback's HANDSHAKE_START, so what is set here
// is what is sent: the configured name, or no SNI for a configured address (RFC 6066 allows only
// names). The callback gets a const SSL*, but the SSL is ours to change at this point.
void SetServerName(const SSL* ssl, int where, int /*ret*/) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) return;
  const auto* name = static_cast<const std::string*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
  const char* server_name = name != nullptr ? name->c_str() : nullptr;
  SSL_set_tlsext_host_name(const_cast<SSL*>(ssl), server_name);
}


}  // namespace

std::string MosquittoMqttSession::ApplyToSocket(int fd, const SocketOptions& options) {
  std::string failures;
  auto set = [&](int level, int name, const void* value, socklen_t size, const char* what) {
    if (::setsockopt(fd, level, name, value, size) != 0) failures += fmt::format("{}: {}; ", what, std::strerror(errno));
  };
  if (options.mark) set(SOL_SOCKET, SO_MARK, &*options.mark, sizeof(uint32_t), "SO_MARK");
  if (options.priority) set(SOL_SOCKET, SO_PRIORITY, &*options.priority, sizeof(uint32_t), "SO_PRIORITY");
  if (!options.bind_device.empty()) {
    set(SOL_SOCKET, SO_BINDTODEVICE, options.bind_device.c_str(), static_cast<socklen_t>(options.bind_device.size()),
        "SO_BINDTODEVICE");
  }
  // libmosquitto sets it too (MOSQ_OPT_TCP_NODELAY); set here as well so it holds whatever path
  // created the socket: an alert must not wait for Nagle behind an unacknowledged segment.
  int one = 1;
  set(IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one), "TCP_NODELAY");
  if (options.rto_min_us) {
    // Best effort: older kernels lack it (ENOPROTOOPT) and a value outside 2 jiffies..200 ms is
    // refused (EINVAL); the kernel's 200 ms then stays. Said once per process, not per session.
    int value = static_cast<int>(*options.rto_min_us);
    if (::setsockopt(fd, IPPROTO_TCP, TCP_RTO_MIN_US, &value, sizeof(value)) != 0) {
      static std::atomic<bool> said{false};
      int error = errno;
      if (!said.exchange(true)) {
        Logger(LogModule::kAlerts)
            .Warning("TCP_RTO_MIN_US {} us not applied ({}); broker connections keep the kernel's minimum RTO",
                     value, std::strerror(error));
      }
    }
  }
  return failures;
}

MosquittoMqttSession::MosquittoMqttSession(boost::asio::io_context& io, Scheduler& scheduler, HostResolver& resolver,
                                           BrokerEndpoint endpoint, SocketOptions options,
                                           MqttSessionHandlers handlers)
    : io_(io),
      scheduler_(scheduler),
      resolver_(resolver),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      handlers_(std::move(handlers)) {}

MosquittoMqttSession::~MosquittoMqttSession() {
  *alive_ = false;
  resolution_.reset();
  Detach();
  if (client_ != nullptr) {
    // Best effort: a DISCONNECT written without waiting; the socket closes in destroy.
    mosquitto_disconnect(client_);
    mosquitto_destroy(client_);
  }
}

Result<std::unique_ptr<MqttSession>> MosquittoMqttSession::Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                                  HostResolver& resolver,
                                                                  const BrokerEndpoint& endpoint,
                                                                  const SocketOptions& options,
                                                                  MqttSessionHandlers handlers) {
  static const int initialised = mosquitto_lib_init();
  if (initialised != MOSQ_ERR_SUCCESS) return MakeError(ErrorCode::kSystem, "mosquitto_lib_init failed");
  std::unique_ptr<MosquittoMqttSession> session(
      new MosquittoMqttSession(io, scheduler, resolver, endpoint, options, std::move(handlers)));
  if (auto configured = session->Configure(); !configured) return tl::unexpected(configured.error());
  return std::unique_ptr<MqttSession>(std::move(session));
}

MqttSessionFactory MosquittoMqttSession::Factory(boost::asio::io_context& io, Scheduler& scheduler,
                                                 HostResolver& resolver, const BrokerEndpoint& endpoint) {
  return [&io, &scheduler, &resolver, &endpoint](const std::string& path, const SocketOptions& options,
                                                 MqttSessionHandlers handlers) {
    if (path.empty()) return Create(io, scheduler, resolver, endpoint, options, std::move(handlers));
    BrokerEndpoint per_path = endpoint;
    per_path.client_id += "-" + path;
    return Create(io, scheduler, resolver, per_path, options, std::move(handlers));
  };
}

Result<void> MosquittoMqttSession::Configure() {
  // A clean session per connection: what must still go is in the outbox, not in the broker.
  client_ = mosquitto_new(endpoint_.client_id.c_str(), /*clean_session=*/true, this);
  if (client_ == nullptr) return MakeError(ErrorCode::kSystem, "mosquitto_new failed", errno);
  mosquitto_int_option(client_, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
  mosquitto_int_option(client_, MOSQ_OPT_TCP_NODELAY, 1);
  // The deliverer bounds what is in flight; libmosquitto must not hold PUBLISHes back.
  mosquitto_max_inflight_messages_set(client_, 0);
  if (!endpoint_.ca_file.empty()) {
    if (auto tls = ConfigureTls(); !tls) return tls;
  }
  mosquitto_connect_callback_set(client_, [](mosquitto*, void* object, int rc) {
    auto* self = Self(object);
    if (rc == 0) {
      self->connack_ = true;
      self->Defer([self] {
        if (self->handlers_.on_connected) self->handlers_.on_connected();
      });
    } else {
      self->End(fmt::format("broker refused the connection: {}", mosquitto_connack_string(rc)));
    }
  });
  mosquitto_disconnect_callback_set(client_, [](mosquitto*, void* object, int rc) {
    Self(object)->End(fmt::format("disconnected: {}", rc == 0 ? "by request" : mosquitto_strerror(rc)));
  });
  mosquitto_publish_callback_set(client_, [](mosquitto*, void* object, int message_id) {
    auto* self = Self(object);
    self->Defer([self, message_id] {
      if (self->handlers_.on_acknowledged) self->handlers_.on_acknowledged(message_id);
    });
  });
  return {};
}

Result<void> MosquittoMqttSession::ConfigureTls() {
  // Our own context, so the certificate is checked against the configured name although
  // libmosquitto connects to a literal; mosquitto_tls_insecure_set is never called.
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) return MakeError(ErrorCode::kSystem, OpenSslError("TLS context"));
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> owned(ctx, SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_load_verify_locations(ctx, endpoint_.ca_file.c_str(), nullptr) != 1) {
    return MakeError(ErrorCode::kInvalidArgument, OpenSslError(("TLS CA file " + endpoint_.ca_file).c_str()));
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  bool literal = NumericAddress(endpoint_.host).has_value();
  int set = literal ? X509_VERIFY_PARAM_set1_ip_asc(param, endpoint_.host.c_str())
                    : X509_VERIFY_PARAM_set1_host(param, endpoint_.host.c_str(), endpoint_.host.size());
  if (set != 1) return MakeError(ErrorCode::kInvalidArgument, OpenSslError("TLS: broker_host for verification"));
  SSL_CTX_set_app_data(ctx, literal ? nullptr : &endpoint_.host);
  SSL_CTX_set_info_callback(ctx, SetServerName);
  if (!endpoint_.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, endpoint_.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, endpoint_.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
      return MakeError(ErrorCode::kInvalidArgument, OpenSslError("TLS client certificate"));
    }
  }
  // Ours, not libmosquitto's defaults on top; libmosquitto takes its own reference.
  mosquitto_int_option(client_, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0);
  if (int rc = mosquitto_void_option(client_, MOSQ_OPT_SSL_CTX, ctx); rc != MOSQ_ERR_SUCCESS) {
    return MakeError(ErrorCode::kSystem, fmt::format("TLS context: {}", mosquitto_strerror(rc)));
  }
  return {};
}

Result<void> MosquittoMqttSession::Connect() {
  if (auto literal = NumericAddress(endpoint_.host)) return ConnectTo(*literal);
  ResolveRequest request;
  request.host = endpoint_.host;
  request.bind_address = options_.bind_address;
  request.bind_device = options_.bind_device;
  request.servers = options_.dns_servers;
  // A socket bound to a Wan's IPv4 address can only reach IPv4 brokers.
  if (auto source = NumericAddress(options_.bind_address)) {
    request.family = source->find(':') == std::string::npos ? AF_INET : AF_INET6;
  }
  resolution_ = resolver_.Resolve(request, [this](Result<std::vector<std::string>> addresses) {
    if (!addresses) return End(Describe(addresses.error()));
    if (auto connected = ConnectTo(addresses->front()); !connected) End(Describe(connected.error()));
  });
  return {};
}

Result<void> MosquittoMqttSession::ConnectTo(const std::string& address) {
  if (ended_) return {};
  const char* bind_address = options_.bind_address.empty() ? nullptr : options_.bind_address.c_str();
  int rc = mosquitto_connect_bind_async(client_, address.c_str(), endpoint_.port, endpoint_.keepalive_s,
                                        bind_address);
  if (rc != MOSQ_ERR_SUCCESS) {
    std::string via = address == endpoint_.host ? "" : " (" + address + ")";
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("connect to {}:{}{}: {}", endpoint_.host, endpoint_.port, via,
                                 rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc)),
                     rc == MOSQ_ERR_ERRNO ? errno : 0);
  }
  Attach();
  Housekeeping();
  return {};
}

void MosquittoMqttSession::Attach() {
  int fd = mosquitto_socket(client_);
  if (fd < 0) return End("no socket after connect");
  DescriptorCloser::MarkCloseOnExec(fd);  // libmosquitto creates it without SOCK_CLOEXEC
  if (auto failures = ApplyToSocket(fd, options_); !failures.empty()) {
    return End("socket options: " + failures);
  }
  socket_ = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
  WaitReadable();
  // The non-blocking connect completes when the socket turns writable.
  WaitWritable();
}

void MosquittoMqttSession::Detach() {
  if (!socket_) return;
  // libmosquitto owns the fd: stop waiting on it without closing it.
  boost::system::error_code ignored;
  socket_->cancel(ignored);
  socket_->release();
  socket_.reset();
  write_waiting_ = false;
}

void MosquittoMqttSession::WaitReadable() {
  std::weak_ptr<bool> alive = alive_;
  socket_->async_wait(boost::asio::posix::descriptor_base::wait_read,
                      [this, alive](const boost::system::error_code& error) {
                        if (error || alive.expired() || !socket_) return;
                        if (!Check(mosquitto_loop_read(client_, 1), "read")) return;
                        WaitReadable();
                        if (mosquitto_want_write(client_)) WaitWritable();
                      });
}

void MosquittoMqttSession::WaitWritable() {
  if (write_waiting_ || !socket_) return;
  write_waiting_ = true;
  std::weak_ptr<bool> alive = alive_;
  socket_->async_wait(boost::asio::posix::descriptor_base::wait_write,
                      [this, alive](const boost::system::error_code& error) {
                        if (alive.expired()) return;
                        write_waiting_ = false;
                        if (error || !socket_) return;
                        if (!connack_) {
                          // Until CONNACK, writability means the TCP connect completed, and
                          // libmosquitto advances a pending TLS handshake only from loop_read
                          // (loop_write does nothing until it is done). Waiting for writability
                          // again here would spin: the readable handler and the housekeeping
                          // tick re-arm it.
                          if (!Check(mosquitto_loop_read(client_, 1), "handshake")) return;
                          (void)Check(mosquitto_loop_write(client_, 1), "write");
                          return;
                        }
                        if (!Check(mosquitto_loop_write(client_, 1), "write")) return;
                        if (mosquitto_want_write(client_)) WaitWritable();
                      });
}

void MosquittoMqttSession::Housekeeping() {
  if (ended_) return;
  // Keep-alive PINGREQ and its timeout live in loop_misc.
  if (!Check(mosquitto_loop_misc(client_), "keep-alive")) return;
  if (mosquitto_want_write(client_)) WaitWritable();
  housekeeping_ = scheduler_.RunAfter(kHousekeepingInterval, [this] { Housekeeping(); });
}

bool MosquittoMqttSession::Check(int rc, const char* what) {
  if (ended_) return false;
  if (rc == MOSQ_ERR_SUCCESS) return true;
  End(fmt::format("{}: {}", what, rc == MOSQ_ERR_ERRNO ? std::strerror(errno) : mosquitto_strerror(rc)));
  return false;
}

void MosquittoMqttSession::End(const std::string& reason) {
  if (ended_) return;
  ended_ = true;
  // libmosquitto may already have closed the fd; let go of it before its number is reused.
  Detach();
  housekeeping_.Cancel();
  Defer([this, reason] {
    if (handlers_.on_ended) handlers_.on_ended(reason);
  });
}

void MosquittoMqttSession::Defer(std::function<void()> call) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, call = std::move(call)] {
    if (!alive.expired()) call();
  });
}

Result<int> MosquittoMqttSession::Publish(const std::string& topic, const std::string& payload, int qos) {
  if (ended_) return MakeError(ErrorCode::kUnavailable, "session ended");
  int message_id = 0;
  int rc = mosquitto_publish(client_, &message_id, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                             /*retain=*/false);
  if (rc != MOSQ_ERR_SUCCESS) return MakeError(ErrorCode::kUnavailable, mosquitto_strerror(rc));
  // mosquitto_publish tries to write at once; what is left goes when the socket is writable.
  if (mosquitto_want_write(client_)) WaitWritable();
  return message_id;
}

int MosquittoMqttSession::socket_fd() const { return client_ != nullptr ? mosquitto_socket(client_) : -1; }

void MosquittoMqttSession::ApplySocketOptions(const SocketOptions& options) {
  options_ = options;
  int fd = client_ ? mosquitto_socket(client_) : -1;
  if (fd < 0) return;
  SocketOptions live = options;
  live.bind_device.clear();  // a connected socket keeps its device; the next session uses the new one
  live.bind_address.clear();
  (void)ApplyToSocket(fd, live);
}

}  // namespace uplinkd::relay
