#include "relay/alert_deliverer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/fake_scheduler.h"
#include "relay/fake_mqtt_session.h"
#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

using std::chrono::milliseconds;

class AlertDelivererTest : public ::testing::Test {
 protected:
  AlertDelivererTest() {
    outbox_ = std::move(*AlertOutbox::Open(dir_.File("outbox.sqlite"), 100));
    settings_.max_in_flight = 2;
    settings_.topic = "site/alerts";
  }
  void Make() {
    deliverer_ = std::make_unique<AlertDeliverer>(scheduler_, *outbox_, broker_.Factory(), settings_,
                                                  [this] { return wall_ms_; });
  }
  std::string Add(AlertSeverity severity, int n) {
    NewAlert alert;
    alert.source = "test";
    alert.severity = severity;
    alert.time = "2025-01-01T00:00:00Z";
    alert.payload_json = "{\"n\":" + std::to_string(n) + "}";
    auto id = outbox_->Add(alert, wall_ms_)->id;
    if (deliverer_) deliverer_->AlertQueued();
    return id;
  }
  // The ids the live session published, in order.
  std::vector<std::string> PublishedIds() const {
    std::vector<std::string> ids;
    for (const auto& message : broker_.session()->published()) {
      ids.push_back(nlohmann::json::parse(message.payload)["id"].get<std::string>());
    }
    return ids;
  }
  void Connect() {
    ASSERT_NE(broker_.session(), nullptr);
    broker_.session()->AcceptConnection();
  }
  // Runs the 0 ms save of acknowledged alerts.
  void Settle() { scheduler_.AdvanceBy(milliseconds(0)); }

  TempDir dir_;
  FakeScheduler scheduler_;
  FakeMqttBroker broker_;
  std::unique_ptr<AlertOutbox> outbox_;
  DeliverySettings settings_;
  std::unique_ptr<AlertDeliverer> deliverer_;
  int64_t wall_ms_ = 1'700'000'000'000;
};

TEST_F(AlertDelivererTest, DrainsTheBacklogInSeverityOrderWithinTheWindowAndMarksDeliveredOnPuback) {
  std::string warning = Add(AlertSeverity::kWarning, 1);
  std::string critical = Add(AlertSeverity::kCritical, 2);
  std::string info = Add(AlertSeverity::kInfo, 3);
  Make();
  deliverer_->Start();
  EXPECT_EQ(deliverer_->state(), BrokerState::kConnecting);
  ASSERT_TRUE(broker_.session()->connect_called());
  EXPECT_TRUE(broker_.session()->published().empty());
  Connect();
  EXPECT_EQ(deliverer_->state(), BrokerState::kConnected);
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{critical, warning}));
  EXPECT_EQ(broker_.session()->published()[0].topic, "site/alerts");
  EXPECT_EQ(broker_.session()->published()[0].qos, 1);
  auto body = nlohmann::json::parse(broker_.session()->published()[0].payload);
  EXPECT_EQ(body["severity"], "critical");
  EXPECT_EQ(body["payload"]["n"], 2);

  // Not delivered before the PUBACK.
  EXPECT_EQ(outbox_->counts().pending, 3u);
  wall_ms_ += 40;
  broker_.session()->Acknowledge(1);
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{critical, warning, info}));
  Settle();
  EXPECT_EQ(outbox_->Find(critical).value()->delivered_ms, wall_ms_);
  EXPECT_FALSE(outbox_->Find(warning).value()->delivered_ms);
  EXPECT_EQ(deliverer_->stats().delivered, 1u);
  EXPECT_EQ(deliverer_->stats().last_delivery_ms, wall_ms_);
  broker_.session()->Acknowledge(2);
  broker_.session()->Acknowledge(3);
  Settle();
  EXPECT_EQ(outbox_->counts().pending, 0u);
  EXPECT_EQ(deliverer_->in_flight(), 0u);
}

TEST_F(AlertDelivererTest, ANewCriticalAlertOvertakesQueuedWarnings) {
  Make();
  deliverer_->Start();
  Connect();
  std::string w1 = Add(AlertSeverity::kWarning, 1);
  std::string w2 = Add(AlertSeverity::kWarning, 2);
  std::string w3 = Add(AlertSeverity::kWarning, 3);
  std::string c = Add(AlertSeverity::kCritical, 4);
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{w1, w2}));
  broker_.session()->Acknowledge(1);
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{w1, w2, c}));
  broker_.session()->Acknowledge(2);
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{w1, w2, c, w3}));
}

TEST_F(AlertDelivererTest, ALostSessionRepublishesWhatWasInFlightAfterBackOff) {
  std::string a = Add(AlertSeverity::kMajor, 1);
  std::string b = Add(AlertSeverity::kMajor, 2);
  Make();
  deliverer_->Start();
  Connect();
  broker_.session()->Acknowledge(1);
  Settle();
  broker_.session()->Drop("connection lost");
  EXPECT_EQ(deliverer_->state(), BrokerState::kBackingOff);
  EXPECT_EQ(broker_.session(), nullptr);
  EXPECT_EQ(deliverer_->in_flight(), 0u);
  scheduler_.AdvanceBy(milliseconds(499));
  EXPECT_EQ(broker_.sessions_made(), 1);
  scheduler_.AdvanceBy(milliseconds(1));
  EXPECT_EQ(broker_.sessions_made(), 2);
  Connect();
  // Only the unacknowledged one goes again.
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{b}));
  EXPECT_TRUE(outbox_->Find(a).value()->delivered_ms);
  EXPECT_EQ(deliverer_->stats().publishes, 3u);
}

TEST_F(AlertDelivererTest, BackOffDoublesUpToTheMaximumAndResetsAfterAConnection) {
  settings_.backoff_max = milliseconds(2000);
  broker_.set_connect_fails(true);
  Make();
  deliverer_->Start();
  EXPECT_EQ(deliverer_->state(), BrokerState::kBackingOff);
  std::vector<int> waits;
  for (int attempt = 0; attempt < 5; ++attempt) {
    int made = broker_.sessions_made();
    int waited = 0;
    while (broker_.sessions_made() == made) {
      scheduler_.AdvanceBy(milliseconds(100));
      waited += 100;
    }
    waits.push_back(waited);
  }
  EXPECT_EQ(waits, (std::vector<int>{500, 1000, 2000, 2000, 2000}));
  broker_.set_connect_fails(false);
  scheduler_.AdvanceBy(milliseconds(2000));
  Connect();
  broker_.session()->Drop("lost");
  int made = broker_.sessions_made();
  scheduler_.AdvanceBy(milliseconds(500));
  EXPECT_EQ(broker_.sessions_made(), made + 1);
}

TEST_F(AlertDelivererTest, ASessionWithoutConnackIsAbandonedAfterTheConnectTimeout) {
  settings_.connect_timeout = milliseconds(3000);
  Make();
  deliverer_->Start();
  scheduler_.AdvanceBy(milliseconds(2999));
  EXPECT_EQ(deliverer_->state(), BrokerState::kConnecting);
  scheduler_.AdvanceBy(milliseconds(1));
  EXPECT_EQ(deliverer_->state(), BrokerState::kBackingOff);
  EXPECT_NE(deliverer_->stats().last_error.find("CONNACK"), std::string::npos);
}

TEST_F(AlertDelivererTest, AMissingPubackEndsTheSessionAndTheAlertGoesAgain) {
  settings_.ack_timeout = milliseconds(5000);
  std::string a = Add(AlertSeverity::kCritical, 1);
  Make();
  deliverer_->Start();
  Connect();
  scheduler_.AdvanceBy(milliseconds(4999));
  EXPECT_EQ(deliverer_->state(), BrokerState::kConnected);
  scheduler_.AdvanceBy(milliseconds(1));
  EXPECT_EQ(deliverer_->state(), BrokerState::kBackingOff);
  scheduler_.AdvanceBy(milliseconds(500));
  Connect();
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{a}));
}

TEST_F(AlertDelivererTest, AFailedPublishEndsTheSession) {
  Make();
  deliverer_->Start();
  Connect();
  broker_.set_publish_fails(true);
  Add(AlertSeverity::kInfo, 1);
  EXPECT_EQ(deliverer_->state(), BrokerState::kBackingOff);
  EXPECT_EQ(outbox_->counts().pending, 1u);
}

TEST_F(AlertDelivererTest, HandlersOfAnOldSessionChangeNothing) {
  std::string a = Add(AlertSeverity::kMajor, 1);
  // Keep the first session's handlers alive by capturing them through a second factory.
  MqttSessionHandlers first;
  auto inner = broker_.Factory();
  deliverer_ = std::make_unique<AlertDeliverer>(
      scheduler_, *outbox_,
      [&](const std::string& path, const SocketOptions& options, MqttSessionHandlers handlers) {
        if (!first.on_connected) first = handlers;
        return inner(path, options, std::move(handlers));
      },
      settings_, [this] { return wall_ms_; });
  deliverer_->Start();
  broker_.session()->Drop("lost");
  scheduler_.AdvanceBy(milliseconds(500));
  first.on_connected();
  first.on_acknowledged(1);
  EXPECT_EQ(deliverer_->state(), BrokerState::kConnecting);
  Connect();
  Settle();
  EXPECT_EQ(PublishedIds(), (std::vector<std::string>{a}));
  EXPECT_EQ(outbox_->counts().pending, 1u);
}

TEST_F(AlertDelivererTest, SocketOptionsReachTheLiveSessionAndEveryNewOne) {
  Make();
  deliverer_->Start();
  SocketOptions options;
  options.priority = 0x10010;
  options.mark = 0x100;
  deliverer_->SetSocketOptions(options);
  EXPECT_EQ(broker_.session()->options(), options);
  broker_.session()->Drop("lost");
  scheduler_.AdvanceBy(milliseconds(500));
  EXPECT_EQ(broker_.session()->options(), options);
}

TEST_F(AlertDelivererTest, StopSavesAcknowledgedAlertsAndEndsTheSession) {
  std::string a = Add(AlertSeverity::kMajor, 1);
  Make();
  deliverer_->Start();
  Connect();
  broker_.session()->Acknowledge(1);
  deliverer_->Stop();
  EXPECT_EQ(broker_.session(), nullptr);
  EXPECT_TRUE(outbox_->Find(a).value()->delivered_ms);
  EXPECT_EQ(deliverer_->state(), BrokerState::kStopped);
}

}  // namespace
}  // namespace uplinkd::relay
