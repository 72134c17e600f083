#pragma once
// MqttSession on libmosquitto, driven from the io_context: connect_bind_async starts a
// non-blocking TCP connect, the socket's readiness runs loop_read/loop_write, a 250 ms timer runs
// loop_misc (keep-alive). No mosquitto thread. TLS with a CA and an optional client certificate.
//
// Socket options: libmosquitto creates the socket inside connect_bind_async, so SO_MARK,
// SO_PRIORITY and SO_BINDTODEVICE are set right after it, while the handshake is in flight: every
// packet but the first SYN carries them (a source address, when given, is bound before connect).
// TCP_NODELAY always; TCP_RTO_MIN_US when asked (Linux >= 6.15; best effort, one log line where
// the kernel refuses it).
// A broker name is resolved by the HostResolver (off the loop, over the session's source address
// and device, with the path's DNS servers), and libmosquitto is handed the literal address: its
// own getaddrinfo would block the loop. TLS is our own SSL_CTX (MOSQ_OPT_SSL_CTX), because
// libmosquitto checks the certificate against, and sends as SNI, the host it connects to: here
// the certificate is verified against the configured name (or the literal, when one is
// configured) by OpenSSL's X509_check_host, and SNI carries the name.
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "base/host_resolver.h"
#include "base/scheduler.h"
#include "relay/mqtt_session.h"

struct mosquitto;

namespace uplinkd::relay {

struct BrokerEndpoint {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id = "uplinkd";
  int keepalive_s = 30;
  // TLS is on when ca_file is set; cert_file/key_file add a client certificate.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  friend bool operator==(const BrokerEndpoint&, const BrokerEndpoint&) = default;
};

class MosquittoMqttSession : public MqttSession {
 public:
  static Result<std::unique_ptr<MqttSession>> Create(boost::asio::io_context& io, Scheduler& scheduler,
                                                     HostResolver& resolver, const BrokerEndpoint& endpoint,
                                                     const SocketOptions& options, MqttSessionHandlers handlers);
  // A factory for AlertDeliverer; `io`, `scheduler`, `resolver` and `endpoint` must outlive it.
  static MqttSessionFactory Factory(boost::asio::io_context& io, Scheduler& scheduler, HostResolver& resolver,
                                    const BrokerEndpoint& endpoint);
  ~MosquittoMqttSession() override;

  Result<void> Connect() override;
  Result<int> Publish(const std::string& topic, const std::string& payload, int qos) override;
  void ApplySocketOptions(const SocketOptions& options) override;
  // The connection's socket, -1 before Connect (for tests that read its options back).
  int socket_fd() const;

  // Sets marks, priority, device, TCP_NODELAY and (best effort, logged once) TCP_RTO_MIN_US on
  // `fd`; returns the failures that matter ("" when none). A source address is not set here.
  static std::string ApplyToSocket(int fd, const SocketOptions& options);

 private:
  MosquittoMqttSession(boost::asio::io_context& io, Scheduler& scheduler, HostResolver& resolver,
                       BrokerEndpoint endpoint, SocketOptions options, MqttSessionHandlers handlers);
  Result<void> Configure();
  Result<void> ConfigureTls();
  // The non-blocking connect to a numeric address.
  Result<void> ConnectTo(const std::string& address);
  void Attach();
  void Detach();
  void WaitReadable();
  void WaitWritable();
  void Housekeeping();
  // Handles a loop_* result; false when the session ended.
  bool Check(int rc, const char* what);
  void End(const std::string& reason);
  // Runs a handler on the loop, after the libmosquitto call that produced it has returned.
  void Defer(std::function<void()> call);

  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  HostResolver& resolver_;
  BrokerEndpoint endpoint_;
  SocketOptions options_;
  MqttSessionHandlers handlers_;
  mosquitto* client_ = nullptr;
  std::unique_ptr<PendingResolution> resolution_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
  bool write_waiting_ = false;
  bool ended_ = false;
  bool connack_ = false;  // the broker accepted the connection
  TimerHandle housekeeping_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::relay
