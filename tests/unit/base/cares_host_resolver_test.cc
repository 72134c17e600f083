// CaresHostResolver on loopback DNS servers made by the test: one that never answers (the outage
// case: the loop must keep running and the resolution must end with a clear timeout) and one that
// answers A queries.
#include "base/cares_host_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>

#include "base/asio_scheduler.h"
#include "tests/unit/base/stuck_dns_server.h"

namespace uplinkd {
namespace {

using boost::asio::ip::udp;

// Answers every A query with 127.0.0.42 and anything else with no records, on the test's loop.
class AnsweringDnsServer {
 public:
  explicit AnsweringDnsServer(boost::asio::io_context& io)
      : socket_(io, udp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    Receive();
  }
  std::string server() const { return "127.0.0.1:" + std::to_string(socket_.local_endpoint().port()); }
  std::optional<std::string> last_sender;

 private:
  void Receive() {
    socket_.async_receive_from(boost::asio::buffer(buffer_), sender_, [this](auto error, size_t size) {
      if (error) return;
      last_sender = sender_.address().to_string();
      Answer(size);
      Receive();
    });
  }
  void Answer(size_t size) {
    if (size < 12) return;
    std::vector<uint8_t> reply(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(size));
    // The question ends at the name's zero label, then type and class.
    size_t at = 12;
    while (at < size && reply[at] != 0) at += reply[at] + 1u;
    if (at + 5 > size) return;
    uint16_t type = static_cast<uint16_t>(reply[at + 1] << 8 | reply[at + 2]);
    reply.resize(at + 5);
    reply[2] = 0x81;  // response, recursion desired
    reply[3] = 0x80;  // recursion available, NOERROR
    reply[8] = reply[9] = reply[10] = reply[11] = 0;
    reply[6] = 0;
    reply[7] = type == 1 ? 1 : 0;
    if (type == 1) {
      const uint8_t answer[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 42};
      reply.insert(reply.end(), std::begin(answer), std::end(answer));
    }
    socket_.send_to(boost::asio::buffer(reply), sender_);
  }

  udp::socket socket_;
  std::array<uint8_t, 1500> buffer_{};
  udp::endpoint sender_;
};

class CaresHostResolverTest : public ::testing::Test {
 protected:
  // Runs the loop until `done` or a generous bound (a failing test must still end).
  template <typename Predicate>
  void RunUntil(Predicate done) {
    auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < bound) {
      if (io_.stopped()) io_.restart();  // out of work after an earlier run
      io_.run_one_for(std::chrono::milliseconds(100));
    }
  }
  // A 10 ms ticker on the same loop: it only advances while the loop is free.
  void StartTicker() {
    ticker_.expires_after(std::chrono::milliseconds(10));
    ticker_.async_wait([this](auto error) {
      if (error) return;
      ++ticks_;
      StartTicker();
    });
  }

  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  boost::asio::steady_timer ticker_{io_};
  int ticks_ = 0;
};

TEST_F(CaresHostResolverTest, AServerThatNeverAnswersDoesNotBlockTheLoopAndTimesOutClearly) {
  StuckDnsServer stuck;
  CaresHostResolver::Settings settings;
  settings.timeout = std::chrono::milliseconds(400);
  settings.try_timeout = std::chrono::milliseconds(100);
  settings.tries = 10;
  CaresHostResolver resolver(io_, scheduler_, settings);
  std::optional<Result<std::vector<std::string>>> outcome;
  int ticks_when_answered = -1;
  ResolveRequest request;
  request.host = "broker.example.test";
  request.servers = {stuck.server()};
  request.family = AF_INET;
  StartTicker();
  auto pending = resolver.Resolve(request, [&](Result<std::vector<std::string>> addresses) {
    outcome = std::move(addresses);
    ticks_when_answered = ticks_;
  });
  EXPECT_FALSE(outcome) << "answered inside Resolve";
  RunUntil([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().code, ErrorCode::kTimeout) << Describe(outcome->error());
  EXPECT_NE(outcome->error().message.find("broker.example.test"), std::string::npos) << outcome->error().message;
  EXPECT_NE(outcome->error().message.find(stuck.server()), std::string::npos) << outcome->error().message;
  EXPECT_NE(outcome->error().message.find("no answer within 400 ms"), std::string::npos) << outcome->error().message;
  // 400 ms of resolution: the 10 ms ticker kept firing all along (a blocked loop would show ~0).
  EXPECT_GE(ticks_when_answered, 20);
  EXPECT_GE(stuck.Received(), 2) << "the queries went to the stuck server, and were retried";
}

TEST_F(CaresHostResolverTest, ALiteralNeedsNoQuery) {
  StuckDnsServer stuck;
  CaresHostResolver resolver(io_, scheduler_);
  std::optional<Result<std::vector<std::string>>> outcome;
  ResolveRequest request;
  request.host = "192.0.2.7";
  request.servers = {stuck.server()};
  auto pending = resolver.Resolve(request, [&](auto addresses) { outcome = std::move(addresses); });
  EXPECT_FALSE(outcome) << "answered inside Resolve";
  RunUntil([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome && *outcome);
  EXPECT_EQ(**outcome, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(stuck.Received(), 0);
  // An IPv6 literal where IPv4 is asked for is refused, not queried.
  request.host = "2001:db8::1";
  request.family = AF_INET;
  outcome.reset();
  pending = resolver.Resolve(request, [&](auto addresses) { outcome = std::move(addresses); });
  RunUntil([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(*outcome);
}

TEST_F(CaresHostResolverTest, ANameIsResolvedFromTheGivenSourceThroughTheGivenServer) {
  AnsweringDnsServer dns(io_);
  CaresHostResolver resolver(io_, scheduler_);
  std::optional<Result<std::vector<std::string>>> outcome;
  ResolveRequest request;
  request.host = "broker.example.test";
  request.servers = {dns.server()};
  request.bind_address = "127.0.0.1";
  request.family = AF_INET;
  auto pending = resolver.Resolve(request, [&](auto addresses) { outcome = std::move(addresses); });
  RunUntil([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(*outcome) << Describe(outcome->error());
  EXPECT_EQ(**outcome, std::vector<std::string>{"127.0.0.42"});
  EXPECT_EQ(dns.last_sender, "127.0.0.1");
}

TEST_F(CaresHostResolverTest, ACancelledResolutionNeverCallsBack) {
  StuckDnsServer stuck;
  CaresHostResolver::Settings settings;
  settings.timeout = std::chrono::milliseconds(100);
  CaresHostResolver resolver(io_, scheduler_, settings);
  bool called = false;
  ResolveRequest request;
  request.host = "broker.example.test";
  request.servers = {stuck.server()};
  auto pending = resolver.Resolve(request, [&](auto) { called = true; });
  RunUntil([&] { return stuck.Received() > 0; });
  pending.reset();
  // Past the resolution's deadline: its timer and sockets are gone with it.
  bool waited = false;
  auto after = scheduler_.RunAfter(std::chrono::milliseconds(300), [&] { waited = true; });
  RunUntil([&] { return waited; });
  EXPECT_TRUE(waited);
  EXPECT_FALSE(called);
}

TEST_F(CaresHostResolverTest, BadRequestsGetAClearError) {
  CaresHostResolver resolver(io_, scheduler_);
  std::optional<Result<std::vector<std::string>>> outcome;
  ResolveRequest request;
  request.host = "broker.example.test";
  request.servers = {"not a server"};
  auto pending = resolver.Resolve(request, [&](auto addresses) { outcome = std::move(addresses); });
  RunUntil([&] { return outcome.has_value(); });
  ASSERT_TRUE(outcome);
  ASSERT_FALSE(*outcome);
  EXPECT_EQ(outcome->error().code, ErrorCode::kInvalidArgument) << Describe(outcome->error());
}

}  // namespace
}  // namespace uplinkd
