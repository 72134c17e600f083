// Group commit and sender credentials on the real datagram socket: submissions read in one loop
// turn are committed in one transaction and answered only after it; a failed commit answers every
// one of them with an error; batches are bounded; each alert is bound to its sender's uid, so one
// local user cannot suppress another's alerts by reusing their source and ref.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/asio_scheduler.h"
#include "relay/alert_relay.h"
#include "relay/fake_mqtt_session.h"
#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

std::string Submission(const std::string& ref, const std::string& source = "producer") {
  return nlohmann::json{{"id", ref},
                        {"time", "2025-03-02T14:07:31.250Z"},
                        {"source", source},
                        {"severity", "major"},
                        {"payload", {{"ref", ref}}}}
      .dump();
}

// A submitter bound to an abstract autobind address.
class Producer {
 public:
  explicit Producer(const std::string& relay_path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un autobind{};
    autobind.sun_family = AF_UNIX;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&autobind), sizeof(sa_family_t));
    relay_.sun_family = AF_UNIX;
    std::strncpy(relay_.sun_path, relay_path.c_str(), sizeof(relay_.sun_path) - 1);
  }
  ~Producer() { ::close(fd_); }
  bool Send(const std::string& datagram) {
    return ::sendto(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&relay_),
                    sizeof(relay_)) == static_cast<ssize_t>(datagram.size());
  }
  // With explicit SCM_CREDENTIALS (our own: only a privileged sender may claim another uid).
  bool SendWithCredentials(const std::string& datagram) {
    iovec data{const_cast<char*>(datagram.data()), datagram.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
    msghdr message{};
    message.msg_name = &relay_;
    message.msg_namelen = sizeof(relay_);
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof(control);
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_CREDENTIALS;
    header->cmsg_len = CMSG_LEN(sizeof(ucred));
    ucred own{::getpid(), ::getuid(), ::getgid()};
    std::memcpy(CMSG_DATA(header), &own, sizeof(own));
    return ::sendmsg(fd_, &message, MSG_DONTWAIT) == static_cast<ssize_t>(datagram.size());
  }
  // The replies received so far.
  std::vector<nlohmann::json> Replies() {
    char buffer[2048];
    ssize_t got;
    while ((got = ::recv(fd_, buffer, sizeof(buffer), MSG_DONTWAIT)) > 0) {
      replies_.push_back(nlohmann::json::parse(std::string_view(buffer, static_cast<size_t>(got))));
    }
    return replies_;
  }

 private:
  int fd_ = -1;
  sockaddr_un relay_{};
  std::vector<nlohmann::json> replies_;
};

class AlertSubmissionBatchTest : public ::testing::Test {
 protected:
  void Make(size_t max_batch = AlertSubmissionSocket::kDefaultMaxBatch) {
    AlertRelaySettings settings;
    settings.socket_path = dir_.File("alerts.sock");
    settings.outbox_path = dir_.File("outbox.sqlite");
    settings.max_batch = max_batch;
    auto relay = AlertRelay::Create(io_, scheduler_, settings, broker_.Factory());
    ASSERT_TRUE(relay) << Describe(relay.error());
    relay_ = std::move(*relay);
  }
  std::string path() const { return dir_.File("alerts.sock"); }
  // Runs the loop until `done` (bounded: a failing test still ends).
  template <typename Predicate>
  void RunUntil(Predicate done) {
    auto bound = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < bound) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(50));
    }
  }

  TempDir dir_;
  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  FakeMqttBroker broker_;
  std::unique_ptr<AlertRelay> relay_;
};

TEST_F(AlertSubmissionBatchTest, SubmissionsQueuedTogetherAreOneCommitAndEachIsAnsweredAfterIt) {
  Make();
  // Three producers, eight datagrams queued before the loop runs (the kernel queues at most
  // net.unix.max_dgram_qlen = 10 by default).
  Producer a(path()), b(path()), c(path());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.Send(Submission("a-" + std::to_string(i))));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.Send(Submission("b-" + std::to_string(i))));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(c.Send(Submission("c-" + std::to_string(i))));
  RunUntil([&] { return relay_->stats().accepted == 8; });
  EXPECT_EQ(relay_->stats().accepted, 8u);
  EXPECT_EQ(relay_->outbox().commits(), 1u);
  EXPECT_EQ(relay_->stats().batches, 1u);
  EXPECT_EQ(relay_->stats().largest_batch, 8u);
  for (auto* producer : {&a, &b, &c}) {
    for (const auto& reply : producer->Replies()) EXPECT_EQ(reply["ok"], true) << reply;
  }
  EXPECT_EQ(a.Replies().size(), 3u);
  EXPECT_EQ(b.Replies().size(), 3u);
  EXPECT_EQ(c.Replies().size(), 2u);
  EXPECT_EQ(relay_->Status().submissions.batches, 1u);
}

TEST_F(AlertSubmissionBatchTest, AFailedCommitAnswersEverySubmitterOfTheBatchWithAnErrorAndAcknowledgesNothing) {
  Make();
  bool fail = true;
  const_cast<AlertOutbox&>(relay_->outbox()).set_commit_veto([&] { return fail; });
  Producer a(path()), b(path());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.Send(Submission("a-" + std::to_string(i))));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b.Send(Submission("b-" + std::to_string(i))));
  RunUntil([&] { return a.Replies().size() + b.Replies().size() == 6; });
  ASSERT_EQ(a.Replies().size() + b.Replies().size(), 6u);
  for (auto* producer : {&a, &b}) {
    for (const auto& reply : producer->Replies()) {
      EXPECT_EQ(reply["ok"], false) << reply;
      EXPECT_EQ(reply["retryable"], true) << reply;
      EXPECT_FALSE(reply.contains("id")) << reply;
    }
  }
  EXPECT_EQ(relay_->outbox().counts().stored, 0u);
  EXPECT_EQ(relay_->outbox().Pending(100)->size(), 0u);
  EXPECT_EQ(relay_->stats().accepted, 0u);
  EXPECT_EQ(relay_->stats().storage_errors, 6u);
  // The disk recovers: the same resends are stored and acknowledged.
  fail = false;
  ASSERT_TRUE(a.Send(Submission("a-0")));
  RunUntil([&] { return a.Replies().size() == 4; });
  ASSERT_EQ(a.Replies().size(), 4u);
  EXPECT_EQ(a.Replies().back()["ok"], true);
  EXPECT_EQ(relay_->outbox().counts().stored, 1u);
}

TEST_F(AlertSubmissionBatchTest, BatchSizesAreBounded) {
  Make(/*max_batch=*/3);
  Producer a(path()), b(path());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(a.Send(Submission("a-" + std::to_string(i))));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(b.Send(Submission("b-" + std::to_string(i))));
  RunUntil([&] { return relay_->stats().accepted == 8; });
  EXPECT_EQ(relay_->stats().accepted, 8u);
  EXPECT_EQ(relay_->stats().largest_batch, 3u);
  EXPECT_EQ(relay_->stats().batches, 3u);  // 3 + 3 + 2
  EXPECT_EQ(relay_->outbox().commits(), 3u);
  EXPECT_EQ(a.Replies().size() + b.Replies().size(), 8u);
}

TEST_F(AlertSubmissionBatchTest, TheSendersUidIsBoundToTheAlert) {
  Make();
  Producer explicit_credentials(path()), plain(path());
  ASSERT_TRUE(explicit_credentials.SendWithCredentials(Submission("x-1")));
  ASSERT_TRUE(plain.Send(Submission("x-2")));
  RunUntil([&] { return relay_->stats().accepted == 2; });
  auto pending = relay_->outbox().Pending(10).value();
  ASSERT_EQ(pending.size(), 2u);
  for (const auto& alert : pending) EXPECT_EQ(alert.sender_uid, static_cast<int64_t>(::getuid())) << alert.id;
  // The far end learns the submitter's uid too.
  broker_.session()->AcceptConnection();
  ASSERT_FALSE(broker_.session()->published().empty());
  EXPECT_EQ(nlohmann::json::parse(broker_.session()->published()[0].payload)["uid"], ::getuid());
}

// Root only: a second uid submits the first one's source and ref. Before, it got the first one's
// id back and its alert was never queued (or, first, it suppressed the real one).
TEST_F(AlertSubmissionBatchTest, AnotherUidCannotSuppressAnAlertByReusingItsSourceAndRef) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to submit as a second uid";
  Make();
  // The other user must reach the socket: the test's own directory and socket, opened up.
  ASSERT_EQ(::chmod(std::filesystem::path(path()).parent_path().c_str(), 0711), 0);
  ASSERT_EQ(::chmod(path().c_str(), 0666), 0);
  const uid_t other = 65534;  // nobody
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The impostor: sends first, as uid 65534, and reports its reply through the pipe.
    if (::setgid(other) != 0 || ::setuid(other) != 0) ::_exit(2);
    Producer impostor(path());
    if (!impostor.Send(Submission("victim-1", "uplinkd-infer"))) ::_exit(3);
    pollfd waiting{};
    std::vector<nlohmann::json> replies;
    for (int i = 0; i < 100 && replies.empty(); ++i) {
      ::poll(&waiting, 0, 50);
      replies = impostor.Replies();
    }
    std::string text = replies.empty() ? "{}" : replies[0].dump();
    (void)!::write(pipe_fds[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string child_reply;
  RunUntil([&] {
    pollfd readable{pipe_fds[0], POLLIN, 0};
    if (::poll(&readable, 1, 0) != 1) return false;
    char buffer[1024];
    ssize_t got = ::read(pipe_fds[0], buffer, sizeof(buffer));
    if (got > 0) child_reply.assign(buffer, static_cast<size_t>(got));
    return true;
  });
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  auto impostor_reply = nlohmann::json::parse(child_reply);
  ASSERT_EQ(impostor_reply["ok"], true) << impostor_reply;
  // The real producer's alert, same source and ref, from uid 0: queued under its own id.
  Producer real(path());
  ASSERT_TRUE(real.Send(Submission("victim-1", "uplinkd-infer")));
  RunUntil([&] { return !real.Replies().empty(); });
  ASSERT_EQ(real.Replies().size(), 1u);
  auto real_reply = real.Replies()[0];
  ASSERT_EQ(real_reply["ok"], true) << real_reply;
  EXPECT_NE(real_reply["id"], impostor_reply["id"]);
  EXPECT_EQ(relay_->stats().duplicates, 0u);
  auto pending = relay_->outbox().Pending(10).value();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(relay_->outbox().Find(real_reply["id"].get<std::string>()).value()->sender_uid, 0);
  EXPECT_EQ(relay_->outbox().Find(impostor_reply["id"].get<std::string>()).value()->sender_uid, other);
  // A resend from the same uid is still a duplicate.
  ASSERT_TRUE(real.Send(Submission("victim-1", "uplinkd-infer")));
  RunUntil([&] { return real.Replies().size() == 2; });
  EXPECT_EQ(real.Replies().back()["id"], real_reply["id"]);
  EXPECT_EQ(relay_->stats().duplicates, 1u);
}

}  // namespace
}  // namespace uplinkd::relay
