#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <gtest/gtest.h>

#include "base/asio_scheduler.h"
#include "inference/alert_submission_codec.h"
#include "inference/unix_datagram_alert_sink.h"

namespace uplinkd::inference {
namespace {

AlertEvent Event() {
  AlertEvent event;
  event.key = "pump1#3";
  event.state = AlertState::kRaised;
  event.severity = AlertSeverity::kMajor;
  event.stream_id = 4;
  event.stream_name = "pump1";
  event.score = 7.25;
  event.threshold = 2.5;
  event.model_version = "kmeans-42";
  event.top_features = {{"ch0.kurtosis", 0.6}, {"ch0.band5", 0.3}};
  event.time_ns = 1'700'000'000'250'000'000ULL;
  return event;
}

TEST(AlertSubmissionCodecTest, EncodedEventParsesAsAValidSubmission) {
  std::string datagram = AlertSubmissionCodec::Encode(Event(), "infer-1-1", "uplinkd-infer");
  auto submission = AlertSubmissionCodec::ParseSubmission(datagram);
  ASSERT_TRUE(submission) << submission.error().message;
  EXPECT_EQ(submission->id, "infer-1-1");
  EXPECT_EQ(submission->time, "2023-11-14T22:13:20.250Z");
  EXPECT_EQ(submission->severity, "major");
  EXPECT_EQ(submission->source, "uplinkd-infer");
  EXPECT_EQ(submission->payload["stream"], "pump1");
  EXPECT_EQ(submission->payload["state"], "raised");
  EXPECT_EQ(submission->payload["model_version"], "kmeans-42");
  EXPECT_DOUBLE_EQ(submission->payload["score"].get<double>(), 7.25);
  EXPECT_EQ(submission->payload["top_features"][0]["name"], "ch0.kurtosis");
}

TEST(AlertSubmissionCodecTest, RejectsWhatTheDocumentForbids) {
  auto code = [](std::string_view datagram) {
    auto parsed = AlertSubmissionCodec::ParseSubmission(datagram);
    return parsed ? std::string("ok") : parsed.error().message.substr(0, parsed.error().message.find(':'));
  };
  const std::string good = R"("time":"2025-01-01T00:00:00Z","source":"x","severity":"warning","payload":{})";
  EXPECT_EQ(code("{" + good + "}"), "ok");
  EXPECT_EQ(code("not json"), "bad-json");
  EXPECT_EQ(code("[1,2]"), "bad-json");
  EXPECT_EQ(code(R"({"source":"x","severity":"warning","payload":{}})"), "missing-field");
  EXPECT_EQ(code(R"({"time":"yesterday","source":"x","severity":"warning","payload":{}})"), "bad-field");
  EXPECT_EQ(code(R"({"time":"2025-01-01T00:00:00Z","source":"x","severity":"loud","payload":{}})"), "bad-field");
  EXPECT_EQ(code("{" + good + R"(,"colour":"red"})"), "unknown-field");
  EXPECT_EQ(code("{" + good + R"(,"id":""})"), "bad-field");
  EXPECT_EQ(code(std::string(kMaxAlertDatagramBytes + 1, ' ')), "too-large");
}

TEST(AlertSubmissionCodecTest, RepliesRoundTrip) {
  AlertSubmissionReply ok{true, "relay-17", "a-1", "", "", false};
  auto parsed = AlertSubmissionCodec::ParseReply(AlertSubmissionCodec::EncodeReply(ok));
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(parsed->ok);
  EXPECT_EQ(parsed->id, "relay-17");
  EXPECT_EQ(parsed->ref, "a-1");
  AlertSubmissionReply busy{false, "", "a-1", "busy", "outbox full", true};
  parsed = AlertSubmissionCodec::ParseReply(AlertSubmissionCodec::EncodeReply(busy));
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->ok);
  EXPECT_TRUE(parsed->retryable);
  EXPECT_EQ(parsed->error, "busy");
  EXPECT_FALSE(AlertSubmissionCodec::ParseReply(R"({"ok":true})"));
}

// A stand-in relay on a real Unix datagram socket: answers according to `answer`.
class FakeRelay {
 public:
  FakeRelay(boost::asio::io_context& io, const std::string& path) : socket_(io) {
    ::unlink(path.c_str());
    socket_.open();
    socket_.bind(boost::asio::local::datagram_protocol::endpoint(path));
    Receive();
  }
  std::function<AlertSubmissionReply(const AlertSubmission&)> answer;
  std::vector<AlertSubmission> received;
  bool silent = false;

 private:
  void Receive() {
    socket_.async_receive_from(boost::asio::buffer(buffer_), sender_, [this](auto error, size_t bytes) {
      if (error) return;
      auto submission = AlertSubmissionCodec::ParseSubmission(std::string_view(buffer_.data(), bytes));
      if (submission) received.push_back(*submission);
      if (!silent && submission) {
        std::string reply = AlertSubmissionCodec::EncodeReply(answer(*submission));
        socket_.send_to(boost::asio::buffer(reply), sender_);
      }
      Receive();
    });
  }
  boost::asio::local::datagram_protocol::socket socket_;
  boost::asio::local::datagram_protocol::endpoint sender_;
  std::array<char, kMaxAlertDatagramBytes> buffer_{};
};

class UnixDatagramAlertSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path = ::testing::TempDir() + "/alert-relay-" + std::to_string(::getpid()) + ".sock";
    relay = std::make_unique<FakeRelay>(io, path);
    relay->answer = [](const AlertSubmission& s) { return AlertSubmissionReply{true, "relay-" + *s.id, *s.id, "", "", false}; };
    UnixDatagramAlertSink::Options options;
    options.relay_path = path;
    options.first_retry = std::chrono::milliseconds(20);
    options.max_pending = 4;
    auto created = UnixDatagramAlertSink::Create(io, scheduler, options);
    ASSERT_TRUE(created) << created.error().message;
    sink = std::move(*created);
    sink->set_reply_observer([this](const std::string& id, const AlertSubmissionReply& reply) {
      replies.emplace_back(id, reply);
    });
  }
  void TearDown() override { ::unlink(path.c_str()); }
  // Runs the loop until `done` or a generous deadline; events, not sleeps, end the wait.
  void RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io.run_for(std::chrono::milliseconds(10));
    }
  }

  boost::asio::io_context io;
  AsioScheduler scheduler{io};
  std::string path;
  std::unique_ptr<FakeRelay> relay;
  std::unique_ptr<UnixDatagramAlertSink> sink;
  std::vector<std::pair<std::string, AlertSubmissionReply>> replies;
};

TEST_F(UnixDatagramAlertSinkTest, DeliversAndLearnsTheRelayId) {
  sink->Submit(Event());
  RunUntil([&] { return !replies.empty(); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].second.ok);
  EXPECT_EQ(replies[0].second.id, "relay-" + replies[0].first);
  ASSERT_EQ(relay->received.size(), 1u);
  EXPECT_EQ(relay->received[0].payload["alert_key"], "pump1#3");
  EXPECT_EQ(sink->pending(), 0u);
}

TEST_F(UnixDatagramAlertSinkTest, ResendsUntilTheRelayAnswersWithTheSameId) {
  relay->silent = true;
  sink->Submit(Event());
  RunUntil([&] { return relay->received.size() >= 3; });
  ASSERT_GE(relay->received.size(), 3u);
  EXPECT_EQ(relay->received[0].id, relay->received[2].id);  // a resend, recognisable as one
  relay->silent = false;
  RunUntil([&] { return !replies.empty(); });
  EXPECT_EQ(replies.size(), 1u);
  EXPECT_EQ(sink->pending(), 0u);
  EXPECT_GE(sink->stats().resent, 2u);
}

TEST_F(UnixDatagramAlertSinkTest, QueuesWhileTheRelayIsAbsentAndBoundsTheQueue) {
  relay.reset();
  ::unlink(path.c_str());
  for (int i = 0; i < 6; ++i) sink->Submit(Event());
  EXPECT_EQ(sink->pending(), 4u);
  EXPECT_EQ(sink->stats().dropped, 2u);
  relay = std::make_unique<FakeRelay>(io, path);
  relay->answer = [](const AlertSubmission& s) { return AlertSubmissionReply{true, "r" + *s.id, *s.id, "", "", false}; };
  RunUntil([&] { return replies.size() == 4; });
  EXPECT_EQ(replies.size(), 4u);
}

TEST_F(UnixDatagramAlertSinkTest, RejectedSubmissionIsNotResent) {
  relay->answer = [](const AlertSubmission& s) { return AlertSubmissionReply{false, "", *s.id, "bad-field", "payload", false}; };
  sink->Submit(Event());
  RunUntil([&] { return !replies.empty(); });
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].second.ok);
  EXPECT_EQ(sink->pending(), 0u);
  EXPECT_EQ(sink->stats().rejected, 1u);
}

}  // namespace
}  // namespace uplinkd::inference
