// The broker socket's options on real loopback TCP sockets, read back with getsockopt.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "base/asio_scheduler.h"
#include "base/fake_host_resolver.h"
#include "relay/mosquitto_mqtt_session.h"

namespace uplinkd::relay {
namespace {

constexpr int kTcpRtoMinUs = 45;  // TCP_RTO_MIN_US, Linux >= 6.15

int IntOption(int fd, int level, int name) {
  int value = -1;
  socklen_t size = sizeof(value);
  if (::getsockopt(fd, level, name, &value, &size) != 0) return -errno;
  return value;
}

// A listener on 127.0.0.1 and, when asked, a client connected to it.
class Loopback {
 public:
  Loopback() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(listener_, 4);
    socklen_t size = sizeof(address);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~Loopback() {
    if (client_ >= 0) ::close(client_);
    ::close(listener_);
  }
  int Client() {
    client_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    if (::connect(client_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) return -1;
    return client_;
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int client_ = -1;
  int port_ = 0;
};

// Skips where the kernel lacks the option (before 6.15), saying so.
bool KernelHasRtoMin() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int value = 20000;
  bool has = ::setsockopt(fd, IPPROTO_TCP, kTcpRtoMinUs, &value, sizeof(value)) == 0 || errno != ENOPROTOOPT;
  ::close(fd);
  return has;
}

TEST(MosquittoSocketOptionsTest, MinimumRtoAndNoDelayReachAConnectedSocket) {
  if (!KernelHasRtoMin()) GTEST_SKIP() << "this kernel has no TCP_RTO_MIN_US (Linux >= 6.15): nothing to check";
  Loopback loopback;
  int fd = loopback.Client();
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(IntOption(fd, IPPROTO_TCP, kTcpRtoMinUs), 200000);  // the kernel's default
  SocketOptions options;
  options.rto_min_us = 20000;
  options.priority = 6;  // 0-6 need no privilege
  EXPECT_EQ(MosquittoMqttSession::ApplyToSocket(fd, options), "");
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, kTcpRtoMinUs), 20000);
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  EXPECT_EQ(IntOption(fd, SOL_SOCKET, SO_PRIORITY), 6);
  // Out of the kernel's range (2 jiffies .. 200 ms): refused, not a failure, and nothing changes.
  options.rto_min_us = 1;
  EXPECT_EQ(MosquittoMqttSession::ApplyToSocket(fd, options), "");
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, kTcpRtoMinUs), 20000);
}

TEST(MosquittoSocketOptionsTest, TheSessionsOwnSocketCarriesThemAndTakesLiveChanges) {
  if (!KernelHasRtoMin()) GTEST_SKIP() << "this kernel has no TCP_RTO_MIN_US (Linux >= 6.15): nothing to check";
  Loopback loopback;
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  BrokerEndpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = loopback.port();
  SocketOptions options;
  options.rto_min_us = 20000;
  FakeHostResolver resolver;  // a literal: never asked
  auto session = MosquittoMqttSession::Create(io, scheduler, resolver, endpoint, options, {});
  ASSERT_TRUE(session) << Describe(session.error());
  auto* mosquitto = static_cast<MosquittoMqttSession*>(session->get());
  EXPECT_EQ(mosquitto->socket_fd(), -1);
  ASSERT_TRUE((*session)->Connect());
  int fd = mosquitto->socket_fd();
  ASSERT_GE(fd, 0);
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, kTcpRtoMinUs), 20000);
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, TCP_NODELAY), 1);
  options.rto_min_us = 40000;
  (*session)->ApplySocketOptions(options);
  EXPECT_EQ(IntOption(fd, IPPROTO_TCP, kTcpRtoMinUs), 40000);
  EXPECT_TRUE(resolver.asked().empty());
  session->reset();
}

}  // namespace
}  // namespace uplinkd::relay
