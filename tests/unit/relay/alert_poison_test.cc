// Poison alerts: one alert the broker never acknowledges must not block every alert behind it.
// It is blamed for each session that fails with it at the head of the unacknowledged ones,
// parked at park_after_attempts (persisted), shown in status, and retried or dropped by an
// operator; the others drain meanwhile.
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fake_scheduler.h"
#include "relay/alert_relay.h"
#include "relay/fake_mqtt_session.h"
#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

using std::chrono::milliseconds;

class AlertPoisonTest : public ::testing::Test {
 protected:
  void Make(uint32_t park_after = 3, size_t window = 1) {
    AlertRelaySettings settings;
    settings.socket_path = dir_.File("alerts.sock");
    settings.outbox_path = dir_.File("outbox.sqlite");
    // One in flight: a poison alert at the head would hold back everything.
    settings.delivery.max_in_flight = window;
    settings.delivery.ack_timeout = milliseconds(1000);
    settings.delivery.backoff_initial = milliseconds(100);
    settings.delivery.backoff_max = milliseconds(100);
    settings.delivery.park_after_attempts = park_after;
    auto relay = AlertRelay::Create(io_, scheduler_, settings, broker_.Factory());
    ASSERT_TRUE(relay) << Describe(relay.error());
    relay_ = std::move(*relay);
  }
  std::string Submit(int n, const std::string& severity) {
    nlohmann::json submission = {{"id", "ref-" + std::to_string(n)},
                                 {"time", "2025-03-02T14:07:31.250Z"},
                                 {"source", "test"},
                                 {"severity", severity},
                                 {"payload", {{"n", n}}}};
    auto reply = nlohmann::json::parse(relay_->HandleSubmission(submission.dump()));
    EXPECT_EQ(reply["ok"], true) << reply;
    return reply["id"].get<std::string>();
  }
  // The id of the newest PUBLISH of the live session.
  std::string LastPublished() const {
    const auto* session = broker_.session();
    if (session == nullptr || session->published().empty()) return "";
    return nlohmann::json::parse(session->published().back().payload)["id"].get<std::string>();
  }
  // A session that connects, publishes the head and never sees its PUBACK.
  void FailedSession() {
    ASSERT_NE(broker_.session(), nullptr);
    broker_.session()->AcceptConnection();
    scheduler_.AdvanceBy(milliseconds(1000));  // ack timeout: the session ends
    scheduler_.AdvanceBy(milliseconds(100));   // back-off: the next one starts
  }
  void Acknowledge() {
    auto* session = broker_.session();
    session->Acknowledge(session->published().back().message_id);
    scheduler_.AdvanceBy(milliseconds(0));  // the save
  }

  TempDir dir_;
  boost::asio::io_context io_;
  FakeScheduler scheduler_;
  FakeMqttBroker broker_;
  std::unique_ptr<AlertRelay> relay_;
};

TEST_F(AlertPoisonTest, ANeverAcknowledgedAlertIsParkedAndTheOthersAreDelivered) {
  Make(3);
  std::string poison = Submit(1, "critical");
  std::string behind1 = Submit(2, "warning");
  std::string behind2 = Submit(3, "warning");
  for (int session = 0; session < 3; ++session) {
    ASSERT_NE(broker_.session(), nullptr);
    broker_.session()->AcceptConnection();
    EXPECT_EQ(LastPublished(), poison) << "session " << session;
    scheduler_.AdvanceBy(milliseconds(1000));
    scheduler_.AdvanceBy(milliseconds(100));
  }
  // Parked after its third failed session, persisted with its count.
  auto stored = relay_->outbox().Find(poison).value();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->attempts, 3u);
  EXPECT_TRUE(stored->parked_ms.has_value());
  EXPECT_EQ(relay_->outbox().counts().parked, 1u);
  // The alerts behind it drain now.
  broker_.session()->AcceptConnection();
  EXPECT_EQ(LastPublished(), behind1);
  Acknowledge();
  EXPECT_EQ(LastPublished(), behind2);
  Acknowledge();
  EXPECT_EQ(relay_->outbox().counts().pending, 0u);
  EXPECT_TRUE(relay_->outbox().Find(behind1).value()->delivered_ms);
  // Status shows it, with what an operator needs to decide.
  auto status = relay_->Status();
  EXPECT_EQ(status.outbox_parked, 1u);
  ASSERT_EQ(status.parked.size(), 1u);
  EXPECT_EQ(status.parked[0].id, poison);
  EXPECT_EQ(status.parked[0].attempts, 3u);
  EXPECT_EQ(status.parked[0].severity, "critical");
  EXPECT_EQ(status.submissions.parked, 1u);
}

TEST_F(AlertPoisonTest, AnOperatorRetriesOrDropsAParkedAlert) {
  Make(2);
  std::string poison = Submit(1, "critical");
  FailedSession();
  FailedSession();
  ASSERT_TRUE(relay_->outbox().Find(poison).value()->parked_ms);
  ASSERT_EQ(relay_->Status().parked.size(), 1u);
  // Retry: pending again, attempts reset, published at once on the connected session.
  broker_.session()->AcceptConnection();
  EXPECT_EQ(LastPublished(), "");
  ASSERT_TRUE(relay_->RetryParked(poison));
  EXPECT_EQ(LastPublished(), poison);
  auto stored = relay_->outbox().Find(poison).value();
  EXPECT_EQ(stored->attempts, 0u);
  EXPECT_FALSE(stored->parked_ms);
  EXPECT_EQ(relay_->outbox().counts().pending, 1u);
  EXPECT_TRUE(relay_->Status().parked.empty());  // the shown list follows the outbox
  // Not parked now: neither decision applies.
  EXPECT_EQ(relay_->RetryParked(poison).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(relay_->DropParked(poison).error().code, ErrorCode::kNotFound);
  // It fails again (this session and the next): parked again, then dropped.
  scheduler_.AdvanceBy(milliseconds(1000));
  scheduler_.AdvanceBy(milliseconds(100));
  FailedSession();
  ASSERT_TRUE(relay_->outbox().Find(poison).value()->parked_ms);
  ASSERT_EQ(relay_->Status().parked.size(), 1u);
  ASSERT_TRUE(relay_->DropParked(poison));
  EXPECT_TRUE(relay_->Status().parked.empty());
  EXPECT_FALSE(relay_->outbox().Find(poison).value());
  EXPECT_EQ(relay_->outbox().counts().parked, 0u);
  EXPECT_EQ(relay_->outbox().counts().stored, 0u);
  EXPECT_EQ(relay_->DropParked("a-nonsense-1").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(relay_->Status().submissions.dropped, 1u);
  EXPECT_EQ(relay_->Status().submissions.retried, 1u);
}

TEST_F(AlertPoisonTest, ParkAfterZeroNeverParks) {
  Make(0);
  std::string poison = Submit(1, "critical");
  for (int session = 0; session < 6; ++session) FailedSession();
  auto stored = relay_->outbox().Find(poison).value();
  EXPECT_EQ(stored->attempts, 6u);
  EXPECT_FALSE(stored->parked_ms);
}

TEST_F(AlertPoisonTest, OnlyTheHeadIsBlamedAndASessionThatNeverConnectedBlamesNobody) {
  Make(3, /*window=*/2);
  std::string first = Submit(1, "critical");
  std::string second = Submit(2, "critical");
  // No CONNACK: a dead link is not the alerts' fault.
  for (int session = 0; session < 5; ++session) {
    scheduler_.AdvanceBy(milliseconds(10000));  // connect timeout
    scheduler_.AdvanceBy(milliseconds(100));
  }
  EXPECT_EQ(relay_->outbox().Find(first).value()->attempts, 0u);
  FailedSession();  // both in flight, neither acknowledged: the first published is blamed
  EXPECT_EQ(relay_->outbox().Find(first).value()->attempts, 1u);
  EXPECT_EQ(relay_->outbox().Find(second).value()->attempts, 0u);
}

TEST_F(AlertPoisonTest, AttemptsAndParkingSurviveARestart) {
  Make(2);
  std::string poison = Submit(1, "critical");
  FailedSession();
  FailedSession();
  relay_.reset();
  Make(2);
  auto stored = relay_->outbox().Find(poison).value();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->attempts, 2u);
  EXPECT_TRUE(stored->parked_ms);
  EXPECT_EQ(relay_->outbox().counts().parked, 1u);
  EXPECT_EQ(relay_->outbox().counts().pending, 0u);
  ASSERT_NE(broker_.session(), nullptr);
  broker_.session()->AcceptConnection();
  EXPECT_EQ(LastPublished(), "");
}

}  // namespace
}  // namespace uplinkd::relay
