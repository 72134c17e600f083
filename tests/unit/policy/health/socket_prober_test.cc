// SocketProber against servers on loopback in the same io_context: every kind answers, the
// target's refusal counts, a probe that cannot be bound is never sent, a cancelled probe never
// calls back. No root needed (ICMP only when this process may open a ping or raw socket).
#include "policy/health/socket_prober.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <array>
#include <optional>

namespace uplinkd::policy {
namespace {

using boost::asio::ip::tcp;
using boost::asio::ip::udp;
using namespace std::chrono_literals;

const net::IpAddress kLoopback = *net::IpAddress::Parse("127.0.0.1");

ProbeTarget Target(ProbeKind kind, uint16_t port) {
  ProbeTarget target;
  target.kind = kind;
  target.address = kLoopback;
  target.port = port;
  return target;
}

// A UDP server answering each datagram with `reply(datagram)`.
class UdpServer {
 public:
  UdpServer(boost::asio::io_context& io, std::function<std::vector<uint8_t>(std::vector<uint8_t>)> reply)
      : socket_(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)), reply_(std::move(reply)) {
    Receive();
  }
  uint16_t port() const { return socket_.local_endpoint().port(); }
  int received = 0;

 private:
  void Receive() {
    socket_.async_receive_from(boost::asio::buffer(buffer_), peer_, [this](auto error, size_t n) {
      if (error) return;
      ++received;
      auto answer = reply_(std::vector<uint8_t>(buffer_.begin(), buffer_.begin() + static_cast<long>(n)));
      if (!answer.empty()) socket_.send_to(boost::asio::buffer(answer), peer_);
      Receive();
    });
  }
  udp::socket socket_;
  std::function<std::vector<uint8_t>(std::vector<uint8_t>)> reply_;
  std::array<uint8_t, 1500> buffer_{};
  udp::endpoint peer_;
};

// A TCP server that answers whatever it reads first with `answer` (empty: only accepts).
class TcpServer {
 public:
  TcpServer(boost::asio::io_context& io, std::string answer)
      : acceptor_(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)), answer_(std::move(answer)) {
    Accept();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  std::string request;

 private:
  void Accept() {
    acceptor_.async_accept([this](auto error, tcp::socket socket) {
      if (error) return;
      auto peer = std::make_shared<tcp::socket>(std::move(socket));
      if (!answer_.empty()) {
        peer->async_read_some(boost::asio::buffer(buffer_), [this, peer](auto read_error, size_t n) {
          if (read_error) return;
          request.assign(buffer_.data(), n);
          boost::asio::async_write(*peer, boost::asio::buffer(answer_), [peer](auto, size_t) {});
        });
      }
      Accept();
    });
  }
  tcp::acceptor acceptor_;
  std::string answer_;
  std::array<char, 2048> buffer_{};
};

class SocketProberTest : public ::testing::Test {
 protected:
  // Sends one probe and runs the loop until it reports (or `wait` passes).
  std::optional<ProbeOutcome> Probe(const ProbeTarget& target, ProbeBinding binding = {.allow_unbound = true},
                                    std::chrono::milliseconds wait = 2s) {
    SocketProber prober(io, std::move(binding));
    std::optional<ProbeOutcome> outcome;
    auto handle = prober.Send(target, [&](const ProbeOutcome& result) {
      outcome = result;
      io.stop();
    });
    EXPECT_FALSE(outcome) << "the callback ran inside Send()";
    boost::asio::steady_timer deadline(io, wait);
    deadline.async_wait([&](auto error) {
      if (!error) io.stop();
    });
    io.restart();
    io.run();
    return outcome;
  }

  boost::asio::io_context io;
};

TEST_F(SocketProberTest, UdpEchoWantsItsTokenBack) {
  UdpServer echo(io, [](std::vector<uint8_t> datagram) { return datagram; });
  auto outcome = Probe(Target(ProbeKind::kUdpEcho, echo.port()));
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered) << outcome->detail;
  EXPECT_EQ(outcome->detail, "echo");
  EXPECT_EQ(outcome->bytes, 64u);
  EXPECT_GT(outcome->rtt.count(), 0);
  EXPECT_LT(outcome->rtt, 1s);
  // Something else coming back is no answer.
  UdpServer liar(io, [](std::vector<uint8_t>) { return std::vector<uint8_t>{1, 2, 3, 4}; });
  outcome = Probe(Target(ProbeKind::kUdpEcho, liar.port()), {.allow_unbound = true}, 300ms);
  EXPECT_FALSE(outcome);  // still waiting when the test gives up
}

TEST_F(SocketProberTest, DnsWantsTheResponseToItsQuery) {
  UdpServer dns(io, [](std::vector<uint8_t> query) {
    query[2] |= 0x80;  // a response, NOERROR, no records
    return query;
  });
  auto target = Target(ProbeKind::kDns, dns.port());
  target.dns_name = "probe.example";
  auto outcome = Probe(target);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered) << outcome->detail;
  EXPECT_EQ(outcome->detail, "dns rcode 0 with 0 answers");
}

TEST_F(SocketProberTest, TcpConnectAndHttpStatus) {
  TcpServer listener(io, "");
  auto outcome = Probe(Target(ProbeKind::kTcp, listener.port()));
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered) << outcome->detail;
  EXPECT_EQ(outcome->detail, "connected");

  TcpServer http(io, "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
  auto target = Target(ProbeKind::kHttp, http.port());
  target.http_host = "probe.example";
  target.http_path = "/generate_204";
  outcome = Probe(target);
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered) << outcome->detail;
  EXPECT_EQ(outcome->detail, "HTTP 204");
  EXPECT_EQ(http.request.substr(0, 48), "GET /generate_204 HTTP/1.1\r\nHost: probe.example\r");
  // Headers of the handshake, the request and the answer are in the count.
  EXPECT_GT(outcome->bytes, 300u);

  TcpServer ssh(io, "SSH-2.0-OpenSSH_9.2\r\n");
  outcome = Probe(Target(ProbeKind::kHttp, ssh.port()));
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->answered);
  EXPECT_EQ(outcome->detail, "the answer is not HTTP");
}

TEST_F(SocketProberTest, TheTargetsRefusalIsAnAnswer) {
  uint16_t closed = 0;
  {
    tcp::acceptor probe_port(io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
    closed = probe_port.local_endpoint().port();
  }
  auto outcome = Probe(Target(ProbeKind::kTcp, closed));
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered);
  EXPECT_EQ(outcome->detail, "connection refused by the target");
  outcome = Probe(Target(ProbeKind::kUdpEcho, closed));
  ASSERT_TRUE(outcome);
  EXPECT_TRUE(outcome->answered);
  EXPECT_EQ(outcome->detail, "port unreachable from the target");
}

TEST_F(SocketProberTest, AProbeThatCannotBeBoundIsNotSent) {
  UdpServer echo(io, [](std::vector<uint8_t> datagram) { return datagram; });
  auto outcome = Probe(Target(ProbeKind::kUdpEcho, echo.port()), {.interface = "nosuchlink0"});
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->answered);
  EXPECT_EQ(outcome->detail.rfind("SO_BINDTODEVICE: ", 0), 0u) << outcome->detail;
  EXPECT_EQ(outcome->bytes, 0u);
  EXPECT_EQ(echo.received, 0);
}

TEST_F(SocketProberTest, WithoutAnInterfaceNothingIsSent) {
  UdpServer echo(io, [](std::vector<uint8_t> datagram) { return datagram; });
  auto outcome = Probe(Target(ProbeKind::kUdpEcho, echo.port()), {.mark = 0x100});
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->answered);
  EXPECT_EQ(outcome->detail, "not bound to an interface");
  EXPECT_EQ(echo.received, 0);
}

TEST_F(SocketProberTest, ACancelledProbeNeverCallsBack) {
  UdpServer silent(io, [](std::vector<uint8_t>) { return std::vector<uint8_t>{}; });
  SocketProber prober(io, {.allow_unbound = true});
  bool called = false;
  auto handle = prober.Send(Target(ProbeKind::kUdpEcho, silent.port()), [&](const ProbeOutcome&) { called = true; });
  io.run_for(50ms);
  EXPECT_EQ(silent.received, 1);
  handle.Cancel();
  io.restart();
  io.run_for(50ms);
  EXPECT_FALSE(called);
}

TEST_F(SocketProberTest, IcmpEchoOnLoopback) {
  auto outcome = Probe(Target(ProbeKind::kIcmp, 0));
  ASSERT_TRUE(outcome);
  if (!outcome->answered && outcome->detail.find("Operation not permitted") != std::string::npos) {
    GTEST_SKIP() << "neither a ping socket nor a raw socket is allowed here: " << outcome->detail;
  }
  EXPECT_TRUE(outcome->answered) << outcome->detail;
  EXPECT_EQ(outcome->bytes, 56u);
}

}  // namespace
}  // namespace uplinkd::policy
