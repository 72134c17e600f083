// The broker's name is resolved by the HostResolver, never by libmosquitto's blocking getaddrinfo
// on the loop; libmosquitto connects to the literal.
#include <poll.h>

#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include "base/asio_scheduler.h"
#include "base/cares_host_resolver.h"
#include "base/fake_host_resolver.h"
#include "relay/mosquitto_mqtt_session.h"
#include "tests/unit/base/stuck_dns_server.h"

namespace uplinkd::relay {
namespace {

// A TCP listener on 127.0.0.1.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::listen(fd_, 4);
    socklen_t size = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~Listener() {
    if (accepted_ >= 0) ::close(accepted_);
    ::close(fd_);
  }
  // Waits (bounded) for one connection.
  bool Accept() {
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 5000) != 1) return false;
    accepted_ = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    return accepted_ >= 0;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int accepted_ = -1;
  int port_ = 0;
};

TEST(MosquittoBrokerNameTest, TheNameIsResolvedThroughTheResolverAndTheLiteralConnected) {
  Listener listener;
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  FakeHostResolver resolver;
  BrokerEndpoint endpoint;
  endpoint.host = "broker.example.test";
  endpoint.port = listener.port();
  SocketOptions options;
  options.bind_address = "127.0.0.1";
  options.dns_servers = {"127.0.0.53"};
  std::optional<std::string> ended;
  MqttSessionHandlers handlers;
  handlers.on_ended = [&](const std::string& reason) { ended = reason; };
  auto session = MosquittoMqttSession::Create(io, scheduler, resolver, endpoint, options, handlers);
  ASSERT_TRUE(session) << Describe(session.error());
  auto* mosquitto = static_cast<MosquittoMqttSession*>(session->get());
  ASSERT_TRUE((*session)->Connect());
  // Nothing connects before the answer: libmosquitto was not handed the name.
  EXPECT_EQ(mosquitto->socket_fd(), -1);
  ASSERT_EQ(resolver.asked().size(), 1u);
  const auto& request = resolver.asked().front().request;
  EXPECT_EQ(request.host, "broker.example.test");
  EXPECT_EQ(request.bind_address, "127.0.0.1");  // the Wan's source: its DNS queries ride that Wan
  EXPECT_EQ(request.servers, std::vector<std::string>{"127.0.0.53"});
  EXPECT_EQ(request.family, AF_INET);
  ASSERT_TRUE(resolver.Answer(std::vector<std::string>{"127.0.0.1"}));
  EXPECT_GE(mosquitto->socket_fd(), 0);
  EXPECT_TRUE(listener.Accept());
  io.poll();
  EXPECT_FALSE(ended) << *ended;
}

TEST(MosquittoBrokerNameTest, AFailedResolutionEndsTheSessionWithItsError) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  FakeHostResolver resolver;
  BrokerEndpoint endpoint;
  endpoint.host = "broker.example.test";
  std::optional<std::string> ended;
  MqttSessionHandlers handlers;
  handlers.on_ended = [&](const std::string& reason) { ended = reason; };
  auto session = MosquittoMqttSession::Create(io, scheduler, resolver, endpoint, {}, handlers);
  ASSERT_TRUE(session);
  ASSERT_TRUE((*session)->Connect());
  EXPECT_EQ(resolver.asked().front().request.family, AF_UNSPEC);
  ASSERT_TRUE(resolver.Answer(MakeError(ErrorCode::kNotFound, "resolving broker.example.test: no such name")));
  io.poll();
  ASSERT_TRUE(ended);
  EXPECT_NE(ended->find("no such name"), std::string::npos) << *ended;
}

// The outage case end to end: a DNS server that never answers. Before, libmosquitto's getaddrinfo
// held the loop for the resolver's whole timeout; now a timer on the same loop keeps firing and
// the session ends with the resolver's timeout.
TEST(MosquittoBrokerNameTest, AStuckResolverNeitherBlocksTheLoopNorHangsTheSession) {
  StuckDnsServer stuck;
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  CaresHostResolver::Settings settings;
  settings.timeout = std::chrono::milliseconds(300);
  settings.try_timeout = std::chrono::milliseconds(100);
  CaresHostResolver resolver(io, scheduler, settings);
  BrokerEndpoint endpoint;
  endpoint.host = "broker.example.test";
  SocketOptions options;
  options.dns_servers = {stuck.server()};
  std::optional<std::string> ended;
  int ticks = 0;
  int ticks_at_end = -1;
  MqttSessionHandlers handlers;
  handlers.on_ended = [&](const std::string& reason) {
    ended = reason;
    ticks_at_end = ticks;
  };
  auto session = MosquittoMqttSession::Create(io, scheduler, resolver, endpoint, options, handlers);
  ASSERT_TRUE(session);
  boost::asio::steady_timer ticker(io);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::milliseconds(10));
    ticker.async_wait([&](auto error) {
      if (error) return;
      ++ticks;
      tick();
    });
  };
  tick();
  ASSERT_TRUE((*session)->Connect());
  auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ended && std::chrono::steady_clock::now() < bound) io.run_one_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(ended);
  EXPECT_NE(ended->find("no answer within 300 ms"), std::string::npos) << *ended;
  EXPECT_GE(ticks_at_end, 15);
  EXPECT_GE(stuck.Received(), 1);
}

}  // namespace
}  // namespace uplinkd::relay
