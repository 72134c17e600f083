#include "relay/alert_outbox.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

NewAlert Alert(AlertSeverity severity, std::string payload = "{}", std::optional<std::string> ref = std::nullopt) {
  NewAlert alert;
  alert.source = "test";
  alert.severity = severity;
  alert.time = "2025-03-02T14:07:31.250Z";
  alert.payload_json = std::move(payload);
  alert.ref = std::move(ref);
  return alert;
}

std::vector<std::string> PendingPayloads(const AlertOutbox& outbox) {
  std::vector<std::string> payloads;
  auto pending = outbox.Pending(100).value();
  for (const auto& alert : pending) payloads.push_back(alert.payload_json);
  return payloads;
}

class AlertOutboxTest : public ::testing::Test {
 protected:
  std::unique_ptr<AlertOutbox> Open(uint64_t max_alerts = 100) {
    auto outbox = AlertOutbox::Open(dir_.File("outbox.sqlite"), max_alerts);
    EXPECT_TRUE(outbox.has_value()) << (outbox ? "" : Describe(outbox.error()));
    return outbox ? std::move(*outbox) : nullptr;
  }
  TempDir dir_;
};

TEST_F(AlertOutboxTest, DrainsHighestSeverityFirstThenOldest) {
  auto outbox = Open();
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kWarning, R"({"n":1})"), 1000));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":2})"), 1001));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kInfo, R"({"n":3})"), 1002));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":4})"), 1003));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kWarning, R"({"n":5})"), 1004));
  EXPECT_EQ(PendingPayloads(*outbox),
            (std::vector<std::string>{R"({"n":2})", R"({"n":4})", R"({"n":1})", R"({"n":5})", R"({"n":3})"}));
  EXPECT_EQ(outbox->Pending(2).value().size(), 2u);
  EXPECT_EQ(outbox->counts().pending, 5u);
}

TEST_F(AlertOutboxTest, StoresEveryFieldAndMarksDelivered) {
  auto outbox = Open();
  auto added = outbox->Add(Alert(AlertSeverity::kMajor, R"({"kind":"inference"})", "ref-1"), 1234);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->id, "a-" + outbox->tag() + "-1");
  auto stored = outbox->Find(added->id).value();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->ref, "ref-1");
  EXPECT_EQ(stored->source, "test");
  EXPECT_EQ(stored->severity, AlertSeverity::kMajor);
  EXPECT_EQ(stored->time, "2025-03-02T14:07:31.250Z");
  EXPECT_EQ(stored->payload_json, R"({"kind":"inference"})");
  EXPECT_EQ(stored->received_ms, 1234);
  EXPECT_FALSE(stored->delivered_ms);

  ASSERT_TRUE(outbox->MarkDelivered({added->id, "a-unknown-7", "garbage"}, 2000));
  EXPECT_EQ(outbox->Find(added->id).value()->delivered_ms, 2000);
  EXPECT_TRUE(outbox->Pending(10).value().empty());
  EXPECT_EQ(outbox->counts().pending, 0u);
  EXPECT_EQ(outbox->counts().stored, 1u);
  // Marking again changes nothing (a duplicate PUBACK after a resend).
  ASSERT_TRUE(outbox->MarkDelivered({added->id}, 3000));
  EXPECT_EQ(outbox->Find(added->id).value()->delivered_ms, 2000);
  EXPECT_EQ(outbox->counts().pending, 0u);
}

TEST_F(AlertOutboxTest, AResendWithTheSameRefGetsTheSameIdAndIsNotQueuedTwice) {
  auto outbox = Open();
  auto first = outbox->Add(Alert(AlertSeverity::kMajor, "{}", "infer-1"), 1);
  auto again = outbox->Add(Alert(AlertSeverity::kMajor, "{}", "infer-1"), 2);
  ASSERT_TRUE(first && again);
  EXPECT_FALSE(first->duplicate);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(first->id, again->id);
  EXPECT_EQ(outbox->counts().pending, 1u);
  // The same ref from another source is another alert.
  auto other = Alert(AlertSeverity::kMajor, "{}", "infer-1");
  other.source = "other";
  EXPECT_FALSE(outbox->Add(other, 3)->duplicate);
  // Without a ref there is no de-duplication.
  EXPECT_NE(outbox->Add(Alert(AlertSeverity::kInfo), 4)->id, outbox->Add(Alert(AlertSeverity::kInfo), 5)->id);
  EXPECT_EQ(outbox->counts().pending, 4u);
}

TEST_F(AlertOutboxTest, WhenFullEvictsDeliveredFirstThenTheOldestOfTheLowestSeverity) {
  auto outbox = Open(3);
  auto delivered = outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":1})"), 1).value();
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kWarning, R"({"n":2})"), 2));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kInfo, R"({"n":3})"), 3));
  ASSERT_TRUE(outbox->MarkDelivered({delivered.id}, 4));

  auto fourth = outbox->Add(Alert(AlertSeverity::kInfo, R"({"n":4})"), 5).value();
  EXPECT_EQ(fourth.evicted, delivered.id);
  EXPECT_FALSE(fourth.evicted_was_pending);
  EXPECT_EQ(outbox->counts().stored, 3u);

  // Full of pending: the oldest info goes for a new warning.
  auto fifth = outbox->Add(Alert(AlertSeverity::kWarning, R"({"n":5})"), 6).value();
  EXPECT_TRUE(fifth.evicted_was_pending);
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":2})", R"({"n":5})", R"({"n":4})"}));
  EXPECT_EQ(outbox->counts().pending, 3u);
}

TEST_F(AlertOutboxTest, WhenFullNeverEvictsAHigherSeverityOrACriticalAlert) {
  auto outbox = Open(2);
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kMajor, R"({"n":1})"), 1));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kMajor, R"({"n":2})"), 2));
  // An info alert may not push out a major one: refused, retryable.
  auto info = outbox->Add(Alert(AlertSeverity::kInfo), 3);
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(info.error().message.rfind("busy", 0), 0u) << info.error().message;
  // A critical alert pushes out the oldest major.
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":3})"), 4));
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":4})"), 5));
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":3})", R"({"n":4})"}));
  // Only critical alerts left: the newest critical is refused (the submitter keeps it), none dropped.
  auto critical = outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":5})"), 6);
  ASSERT_FALSE(critical);
  EXPECT_EQ(critical.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":3})", R"({"n":4})"}));
  EXPECT_EQ(outbox->counts().stored, 2u);
}

TEST_F(AlertOutboxTest, ReopeningKeepsAlertsDeliveryStateAndIds) {
  std::string delivered_id, pending_id, tag;
  {
    auto outbox = Open();
    tag = outbox->tag();
    delivered_id = outbox->Add(Alert(AlertSeverity::kMajor, R"({"n":1})", "r1"), 1)->id;
    pending_id = outbox->Add(Alert(AlertSeverity::kWarning, R"({"n":2})", "r2"), 2)->id;
    ASSERT_TRUE(outbox->MarkDelivered({delivered_id}, 3));
  }
  auto outbox = Open();
  EXPECT_EQ(outbox->tag(), tag);
  EXPECT_EQ(outbox->counts().pending, 1u);
  EXPECT_EQ(outbox->counts().stored, 2u);
  ASSERT_EQ(outbox->Pending(10).value().size(), 1u);
  EXPECT_EQ(outbox->Pending(10).value()[0].id, pending_id);
  // The dedup memory survives too, and new ids continue after the old ones.
  EXPECT_EQ(outbox->Add(Alert(AlertSeverity::kMajor, "{}", "r1"), 4)->id, delivered_id);
  EXPECT_EQ(outbox->Add(Alert(AlertSeverity::kMajor), 5)->id, "a-" + tag + "-3");
}

TEST_F(AlertOutboxTest, AnAcknowledgedAlertSurvivesSigkillRightAfterAdd) {
  std::string path = dir_.File("outbox.sqlite");
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    auto outbox = AlertOutbox::Open(path, 100);
    if (!outbox) ::_exit(2);
    for (int i = 0; i < 20; ++i) {
      auto added = (*outbox)->Add(Alert(AlertSeverity::kMajor, "{\"n\":" + std::to_string(i) + "}"), i);
      if (!added) ::_exit(3);
      // The "acknowledgement": the parent learns of the alert only after Add returned.
      std::string line = added->id + "\n";
      if (::write(pipe_fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(4);
    }
    ::kill(::getpid(), SIGKILL);  // no destructor, no close, no checkpoint
    ::_exit(5);
  }
  ::close(pipe_fds[1]);
  std::string acknowledged;
  char buffer[256];
  ssize_t got;
  while ((got = ::read(pipe_fds[0], buffer, sizeof(buffer))) > 0) acknowledged.append(buffer, static_cast<size_t>(got));
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << status;

  auto outbox = Open();
  std::vector<std::string> pending;
  auto rows = outbox->Pending(100).value();
  for (const auto& alert : rows) pending.push_back(alert.id + "\n");
  std::string stored;
  for (const auto& id : pending) stored += id;
  EXPECT_EQ(stored, acknowledged);
  EXPECT_EQ(pending.size(), 20u);
}

TEST_F(AlertOutboxTest, ASecondOpenOfTheSameOutboxFailsAtOnce) {
  auto first = Open();
  ASSERT_TRUE(first->Add(Alert(AlertSeverity::kInfo), 1));
  auto second = AlertOutbox::Open(dir_.File("outbox.sqlite"), 100);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kUnavailable) << second.error().message;
}

TEST_F(AlertOutboxTest, ARecreatedOutboxNeverReusesAnId) {
  std::string first_id = Open()->Add(Alert(AlertSeverity::kInfo), 1)->id;
  std::filesystem::remove(dir_.File("outbox.sqlite"));
  std::filesystem::remove(dir_.File("outbox.sqlite-wal"));
  std::string second_id = Open()->Add(Alert(AlertSeverity::kInfo), 1)->id;
  EXPECT_NE(first_id, second_id);
  EXPECT_EQ(first_id.substr(first_id.rfind('-')), second_id.substr(second_id.rfind('-')));  // both seq 1
}

TEST_F(AlertOutboxTest, ABatchIsOneCommitAndAResendWithinItIsADuplicate) {
  auto outbox = Open();
  auto batch = outbox->AddBatch({Alert(AlertSeverity::kMajor, R"({"n":1})", "r1"),
                                 Alert(AlertSeverity::kMajor, R"({"n":2})", "r2"),
                                 Alert(AlertSeverity::kMajor, R"({"n":1})", "r1")},
                                1000);
  ASSERT_TRUE(batch) << Describe(batch.error());
  ASSERT_EQ(batch->size(), 3u);
  ASSERT_TRUE((*batch)[0] && (*batch)[1] && (*batch)[2]);
  EXPECT_FALSE((*batch)[0]->duplicate);
  EXPECT_TRUE((*batch)[2]->duplicate);
  EXPECT_EQ((*batch)[2]->id, (*batch)[0]->id);
  EXPECT_EQ(outbox->commits(), 1u);
  EXPECT_EQ(outbox->counts().pending, 2u);
  EXPECT_EQ(outbox->counts().stored, 2u);
}

TEST_F(AlertOutboxTest, AFailedCommitStoresNothingOfTheBatch) {
  auto outbox = Open();
  ASSERT_TRUE(outbox->Add(Alert(AlertSeverity::kInfo, R"({"n":0})"), 999));
  bool fail = true;
  outbox->set_commit_veto([&] { return fail; });
  auto batch = outbox->AddBatch({Alert(AlertSeverity::kMajor, R"({"n":1})"), Alert(AlertSeverity::kMajor, R"({"n":2})")},
                                1000);
  ASSERT_FALSE(batch);
  EXPECT_EQ(batch.error().code, ErrorCode::kSystem);
  EXPECT_EQ(outbox->counts().pending, 1u);
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":0})"}));
  fail = false;
  ASSERT_TRUE(outbox->AddBatch({Alert(AlertSeverity::kMajor, R"({"n":1})")}, 1001));
  EXPECT_EQ(outbox->counts().pending, 2u);
  // And what was refused is not there after a reopen either.
  outbox.reset();
  outbox = Open();
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":1})", R"({"n":0})"}));
}

TEST_F(AlertOutboxTest, ABusyAlertInABatchLeavesTheOthersStored) {
  auto outbox = Open(2);
  auto batch = outbox->AddBatch({Alert(AlertSeverity::kCritical, R"({"n":1})"), Alert(AlertSeverity::kCritical, R"({"n":2})"),
                                 Alert(AlertSeverity::kCritical, R"({"n":3})")},
                                1000);
  ASSERT_TRUE(batch);
  EXPECT_TRUE((*batch)[0]);
  EXPECT_TRUE((*batch)[1]);
  ASSERT_FALSE((*batch)[2]);
  EXPECT_EQ((*batch)[2].error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(outbox->counts().stored, 2u);
  EXPECT_EQ(PendingPayloads(*outbox).size(), 2u);
}

TEST_F(AlertOutboxTest, TheSameSourceAndRefFromAnotherUidIsAnotherAlert) {
  auto outbox = Open();
  NewAlert first = Alert(AlertSeverity::kMajor, "{}", "ref-1");
  first.sender_uid = 1000;
  NewAlert impostor = first;
  impostor.sender_uid = 1001;
  auto a = outbox->Add(first, 1);
  auto b = outbox->Add(impostor, 2);
  auto again = outbox->Add(first, 3);
  ASSERT_TRUE(a && b && again);
  EXPECT_NE(a->id, b->id);
  EXPECT_FALSE(b->duplicate);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->id, a->id);
  EXPECT_EQ(outbox->Find(b->id).value()->sender_uid, 1001);
}

TEST_F(AlertOutboxTest, FailedAttemptsParkAnAlertPersistentlyAndAnOperatorUnparksOrDropsIt) {
  auto outbox = Open();
  std::string poison = outbox->Add(Alert(AlertSeverity::kCritical, R"({"n":1})"), 1)->id;
  std::string other = outbox->Add(Alert(AlertSeverity::kInfo, R"({"n":2})"), 2)->id;
  EXPECT_EQ(outbox->RecordFailedAttempt(poison, 3, 10).value(), false);
  EXPECT_EQ(outbox->RecordFailedAttempt(poison, 3, 11).value(), false);
  EXPECT_EQ(outbox->RecordFailedAttempt(poison, 3, 12).value(), true);
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":2})"}));
  EXPECT_EQ(outbox->counts().pending, 1u);
  EXPECT_EQ(outbox->counts().parked, 1u);
  // Parked: further attempts change nothing.
  EXPECT_EQ(outbox->RecordFailedAttempt(poison, 3, 13).value(), false);
  outbox.reset();
  outbox = Open();
  EXPECT_EQ(outbox->counts().parked, 1u);
  auto parked = outbox->Parked(10).value();
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].id, poison);
  EXPECT_EQ(parked[0].attempts, 3u);
  EXPECT_EQ(parked[0].parked_ms, 12);
  EXPECT_EQ(outbox->Unpark(other).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(outbox->Unpark(poison));
  EXPECT_EQ(outbox->Find(poison).value()->attempts, 0u);
  EXPECT_EQ(PendingPayloads(*outbox), (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
  EXPECT_EQ(outbox->counts().pending, 2u);
  EXPECT_EQ(outbox->DropParked(poison).error().code, ErrorCode::kNotFound);
  for (int i = 0; i < 3; ++i) (void)outbox->RecordFailedAttempt(poison, 3, 20);
  ASSERT_TRUE(outbox->DropParked(poison));
  EXPECT_FALSE(outbox->Find(poison).value());
  EXPECT_EQ(outbox->counts().stored, 1u);
  EXPECT_EQ(outbox->counts().parked, 0u);
}

}  // namespace
}  // namespace uplinkd::relay
