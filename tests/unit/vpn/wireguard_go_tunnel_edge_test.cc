// WireguardGoTunnelEdge without root or wireguard-go: its UAPI client against a scripted AF_UNIX
// server in a temporary directory, and its process handling with stand-in programs. The real
// wireguard-go runs the contract suite in tests/kernel/vpn_tunnel_edge_labtest.cc.
#include "vpn/wireguard_go_tunnel_edge.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "vpn/uapi_protocol.h"

namespace uplinkd::vpn {
namespace {

using boost::asio::local::stream_protocol;

bool RunUntil(boost::asio::io_context& io, const bool& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return done;
}

// Answers each connection's first request with the next scripted reply (empty: never answers).
class ScriptedUapiServer {
 public:
  ScriptedUapiServer(boost::asio::io_context& io, const std::string& path) : acceptor_(io, stream_protocol::endpoint(path)) {
    Accept();
  }
  std::vector<std::string> replies;
  std::vector<std::string> requests;

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : socket(io) {}
    stream_protocol::socket socket;
    boost::asio::streambuf buffer;
    std::string reply;
  };
  void Accept() {
    auto connection = std::make_shared<Connection>(static_cast<boost::asio::io_context&>(acceptor_.get_executor().context()));
    acceptor_.async_accept(connection->socket, [this, connection](const boost::system::error_code& error) {
      if (error) return;
      boost::asio::async_read_until(connection->socket, connection->buffer, "\n\n",
                                    [this, connection](const boost::system::error_code& read_error, size_t n) {
                                      if (read_error) return;
                                      std::string request(boost::asio::buffers_begin(connection->buffer.data()),
                                                          boost::asio::buffers_begin(connection->buffer.data()) + n);
                                      requests.push_back(request);
                                      connection->reply = replies.empty() ? "" : replies.front();
                                      if (!replies.empty()) replies.erase(replies.begin());
                                      if (connection->reply.empty()) {
                                        held_.push_back(connection);  // hang: never answer
                                        return;
                                      }
                                      boost::asio::async_write(connection->socket, boost::asio::buffer(connection->reply),
                                                               [connection](const boost::system::error_code&, size_t) {});
                                    });
      Accept();
    });
  }
  stream_protocol::acceptor acceptor_;
  std::vector<std::shared_ptr<Connection>> held_;
};

class WireguardGoTunnelEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-wggo-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    options_.socket_dir = dir_ + "/run";
    ::mkdir(options_.socket_dir.c_str(), 0755);
    options_.operation_timeout = std::chrono::milliseconds(300);
    options_.start_timeout = std::chrono::milliseconds(1500);
    options_.stop_timeout = std::chrono::milliseconds(1500);
  }
  void TearDown() override {
    edge_.reset();
    std::filesystem::remove_all(dir_);
  }
  WireguardGoTunnelEdge& edge() {
    if (!edge_) edge_ = std::make_unique<WireguardGoTunnelEdge>(io_, options_);
    return *edge_;
  }
  template <typename T, typename Start>
  Result<T> Await(Start start) {
    bool done = false;
    std::optional<Result<T>> result;
    start([&](Result<T> value) {
      result = std::move(value);
      done = true;
    });
    if (!RunUntil(io_, done)) return MakeError(ErrorCode::kTimeout, "test: no callback in 10 s");
    return std::move(*result);
  }
  // A stand-in for wireguard-go: a script run with "-f NAME".
  void StandIn(const std::string& body) {
    options_.program = dir_ + "/fake-wireguard-go";
    std::ofstream(options_.program) << body;
    ::chmod(options_.program.c_str(), 0755);
  }

  boost::asio::io_context io_;
  std::string dir_;
  WireguardGoTunnelEdge::Options options_;
  std::unique_ptr<WireguardGoTunnelEdge> edge_;
};

TEST_F(WireguardGoTunnelEdgeTest, ReadsTheDeviceOverTheSocket) {
  ScriptedUapiServer server(io_, options_.socket_dir + "/wgt0.sock");
  server.replies = {"listen_port=51820\nfwmark=5\n"
                    "public_key=1111111111111111111111111111111111111111111111111111111111111111\n"
                    "endpoint=192.0.2.1:51820\nrx_bytes=10\ntx_bytes=20\nerrno=0\n\n"};
  auto state = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt0", done); });
  ASSERT_TRUE(state) << Describe(state.error());
  EXPECT_EQ(server.requests, std::vector<std::string>{"get=1\n\n"});
  EXPECT_EQ(state->listen_port, 51820);
  EXPECT_EQ(state->fwmark, 5u);
  ASSERT_EQ(state->peers.size(), 1u);
  EXPECT_EQ(state->peers[0].rx_bytes, 10u);
}

TEST_F(WireguardGoTunnelEdgeTest, SendsTheSetAndReportsARefusal) {
  ScriptedUapiServer server(io_, options_.socket_dir + "/wgt0.sock");
  server.replies = {"errno=-22\n\n"};
  TunnelDeviceConfig config;
  config.fwmark = 9;
  auto result = Await<void>([&](auto done) { edge().SetDevice("wgt0", config, PeerSetMode::kUpdate, done); });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(server.requests, std::vector<std::string>{"set=1\nfwmark=9\n\n"});
}

TEST_F(WireguardGoTunnelEdgeTest, AHungPeerTimesOutAndAMissingOneIsNotFound) {
  ScriptedUapiServer server(io_, options_.socket_dir + "/wgt0.sock");  // no replies: it hangs
  auto started = std::chrono::steady_clock::now();
  auto hung = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt0", done); });
  ASSERT_FALSE(hung);
  EXPECT_EQ(hung.error().code, ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  auto missing = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt9", done); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(WireguardGoTunnelEdgeTest, GarbageAndOversizedRepliesAreErrors) {
  ScriptedUapiServer server(io_, options_.socket_dir + "/wgt0.sock");
  server.replies = {"what is this\n\n", std::string(uapi::kMaxReplyBytes + 4096, 'x')};
  auto garbage = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt0", done); });
  EXPECT_FALSE(garbage);
  auto huge = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt0", done); });
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(WireguardGoTunnelEdgeTest, EndpointMoveLooksFirstAndNeverSendsForAnUnknownPeer) {
  ScriptedUapiServer server(io_, options_.socket_dir + "/wgt0.sock");
  server.replies = {"public_key=1111111111111111111111111111111111111111111111111111111111111111\nerrno=0\n\n",
                    "public_key=1111111111111111111111111111111111111111111111111111111111111111\nerrno=0\n\n",
                    "errno=0\n\n"};
  std::array<uint8_t, 32> other{};
  other.fill(0x22);
  auto unknown = Await<void>([&](auto done) {
    edge().SetPeerEndpoint("wgt0", WireguardKey(other), *TunnelEndpoint::Parse("192.0.2.1:1"), done);
  });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  std::array<uint8_t, 32> known{};
  known.fill(0x11);
  auto moved = Await<void>([&](auto done) {
    edge().SetPeerEndpoint("wgt0", WireguardKey(known), *TunnelEndpoint::Parse("192.0.2.1:1"), done);
  });
  ASSERT_TRUE(moved) << Describe(moved.error());
  ASSERT_EQ(server.requests.size(), 3u);
  EXPECT_EQ(server.requests[2],
            "set=1\npublic_key=1111111111111111111111111111111111111111111111111111111111111111\n"
            "update_only=true\nendpoint=192.0.2.1:1\n\n");
}

TEST_F(WireguardGoTunnelEdgeTest, AProgramThatDiesAtStartIsReportedWithItsLastWords) {
  StandIn("#!/bin/sh\necho \"Failed to create TUN device: operation not permitted\"\nexit 1\n");
  auto result = Await<void>([&](auto done) { edge().CreateInterface("wgt1", done); });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result.error().message.find("Failed to create TUN device"), std::string::npos) << result.error().message;
  EXPECT_EQ(edge().ProcessId("wgt1"), 0);
}

TEST_F(WireguardGoTunnelEdgeTest, AProgramThatNeverOpensItsSocketTimesOutAndIsKilled) {
  StandIn("#!/bin/sh\nexec sleep 30\n");
  auto result = Await<void>([&](auto done) { edge().CreateInterface("wgt2", done); });
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kTimeout);
  EXPECT_EQ(edge().ProcessId("wgt2"), 0);
}

// The stand-in serves the UAPI socket the way wireguard-go does (it appears after start, is
// removed on SIGTERM), so start-by-inotify and stop-by-SIGTERM are exercised end to end.
TEST_F(WireguardGoTunnelEdgeTest, StartsWaitsForTheSocketAndStopsWithSigterm) {
  StandIn("#!/usr/bin/python3\n"
          "import os, signal, socket, sys, time\n"
          // Not from argv[0]: the program runs from its open file (/dev/fd/N), base/child_process.
          "path = os.path.join('" + dir_ + "', 'run', sys.argv[2] + '.sock')\n"
          "assert sys.argv[1] == '-f' and os.environ.get('WG_PROCESS_FOREGROUND') == '1'\n"
          "time.sleep(0.2)\n"
          "s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(8)\n"
          "def stop(*_):\n    os.unlink(path); sys.exit(0)\n"
          "signal.signal(signal.SIGTERM, stop)\n"
          "while True:\n"
          "    c, _ = s.accept(); data = b''\n"
          "    while not data.endswith(b'\\n\\n'):\n"
          "        chunk = c.recv(4096)\n"
          "        if not chunk: break\n"
          "        data += chunk\n"
          "    if data: c.sendall(b'errno=0\\n\\n')\n"
          "    c.close()\n");
  auto created = Await<void>([&](auto done) { edge().CreateInterface("wgt3", done); });
  ASSERT_TRUE(created) << Describe(created.error());
  EXPECT_GT(edge().ProcessId("wgt3"), 0);
  auto again = Await<void>([&](auto done) { edge().CreateInterface("wgt3", done); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  auto state = Await<TunnelDeviceState>([&](auto done) { edge().GetDevice("wgt3", done); });
  ASSERT_TRUE(state) << Describe(state.error());
  auto removed = Await<void>([&](auto done) { edge().RemoveInterface("wgt3", done); });
  ASSERT_TRUE(removed) << Describe(removed.error());
  EXPECT_EQ(edge().ProcessId("wgt3"), 0);
  EXPECT_FALSE(std::filesystem::exists(options_.socket_dir + "/wgt3.sock"));
  auto gone = Await<void>([&](auto done) { edge().RemoveInterface("wgt3", done); });
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace uplinkd::vpn
