// The relay's per-Wan sessions: routes, standby, the publishing switch, duplication and fallback.
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

constexpr const char* kCell1 = "192.0.2.10";
constexpr const char* kCell2 = "198.51.100.10";

RelayRoute Route(const std::string& wan, const std::string& address, bool publishing) {
  RelayRoute route;
  route.wan = wan;
  route.socket.bind_address = address;
  route.publishing = publishing;
  return route;
}

std::vector<std::string> Ids(const FakeMqttSession* session) {
  std::vector<std::string> ids;
  if (session == nullptr) return ids;
  for (const auto& message : session->published()) {
    ids.push_back(nlohmann::json::parse(message.payload)["id"].get<std::string>());
  }
  return ids;
}

class AlertRelayPathsTest : public ::testing::Test {
 protected:
  void Make(size_t max_in_flight = 16) {
    AlertRelaySettings settings;
    settings.socket_path = dir_.File("alerts.sock");
    settings.outbox_path = dir_.File("outbox.sqlite");
    settings.delivery.max_in_flight = max_in_flight;
    auto relay = AlertRelay::Create(io_, scheduler_, settings, broker_.Factory());
    ASSERT_TRUE(relay) << Describe(relay.error());
    relay_ = std::move(*relay);
  }
  std::string Submit(int n, const std::string& severity = "major") {
    nlohmann::json submission = {{"id", "ref-" + std::to_string(n)},
                                 {"time", "2025-03-02T14:07:31.250Z"},
                                 {"source", "test"},
                                 {"severity", severity},
                                 {"payload", {{"n", n}}}};
    auto reply = nlohmann::json::parse(relay_->HandleSubmission(submission.dump()));
    EXPECT_EQ(reply["ok"], true) << reply;
    return reply["id"].get<std::string>();
  }
  FakeMqttSession* On(const char* address) const { return broker_.SessionBoundTo(address); }
  void Accept(const char* address) {
    ASSERT_NE(On(address), nullptr) << address;
    On(address)->AcceptConnection();
  }
  // Acknowledges every PUBLISH of `address`'s session from index `from` on.
  void AcknowledgeAll(const char* address) {
    auto* session = On(address);
    ASSERT_NE(session, nullptr);
    auto published = session->published();
    for (const auto& message : published) session->Acknowledge(message.message_id);
  }
  // Runs the 0 ms saves of acknowledged alerts.
  void Settle() { scheduler_.AdvanceBy(milliseconds(0)); }
  RelaySessionStatus Session(const std::string& wan) const {
    for (const auto& session : relay_->Status().sessions) {
      if (session.wan == wan) return session;
    }
    ADD_FAILURE() << "no session for " << wan;
    return {};
  }
  uint64_t Pending() const { return relay_->outbox().counts().pending; }

  TempDir dir_;
  boost::asio::io_context io_;
  FakeScheduler scheduler_;
  FakeMqttBroker broker_;
  std::unique_ptr<AlertRelay> relay_;
};

TEST_F(AlertRelayPathsTest, RoutesMakeOneBoundSessionPerWanAndARemovedRouteStops) {
  Make();
  // No policy: one unbound session, as before routes existed.
  EXPECT_EQ(relay_->session_wans(), (std::vector<std::string>{""}));
  ASSERT_EQ(broker_.live_sessions().size(), 1u);
  EXPECT_EQ(broker_.live_sessions()[0]->options().bind_address, "");
  EXPECT_EQ(broker_.live_sessions()[0]->path(), "");

  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, false)});
  EXPECT_EQ(relay_->session_wans(), (std::vector<std::string>{"cell1", "cell2"}));
  EXPECT_EQ(broker_.SessionBoundTo(""), nullptr);
  ASSERT_NE(On(kCell1), nullptr);
  ASSERT_NE(On(kCell2), nullptr);
  EXPECT_TRUE(On(kCell1)->connect_called());
  EXPECT_TRUE(On(kCell2)->connect_called());
  // Each session tells the factory its Wan (the MQTT client id gets it: a broker drops the older of
  // two sessions with one id); the unbound one says "".
  EXPECT_EQ(On(kCell1)->path(), "cell1");
  EXPECT_EQ(On(kCell2)->path(), "cell2");
  EXPECT_EQ(broker_.live_sessions().size(), 2u);

  relay_->SetRoutes({Route("cell1", kCell1, true)});
  EXPECT_EQ(On(kCell2), nullptr);
  EXPECT_EQ(relay_->deliverer("cell2"), nullptr);
  EXPECT_EQ(broker_.live_sessions().size(), 1u);

  relay_->SetRoutes({});
  EXPECT_EQ(relay_->session_wans(), (std::vector<std::string>{""}));
  EXPECT_EQ(On(kCell1), nullptr);
  ASSERT_NE(broker_.SessionBoundTo(""), nullptr);
  scheduler_.AdvanceBy(milliseconds(0));  // the retired deliverers go
}

TEST_F(AlertRelayPathsTest, ANewSourceAddressReconnectsAtOnceAndMarksApplyLive) {
  Make();
  relay_->SetRoutes({Route("cell1", kCell1, true)});
  Accept(kCell1);
  std::string a = Submit(1);
  ASSERT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a}));

  // Marks only: the same session, changed in place.
  RelayRoute marked = Route("cell1", kCell1, true);
  marked.socket.mark = 0x200;
  FakeMqttSession* before = On(kCell1);
  int made = broker_.sessions_made();
  relay_->SetRoutes({marked});
  EXPECT_EQ(On(kCell1), before);
  EXPECT_EQ(before->options().mark, 0x200u);
  EXPECT_EQ(broker_.sessions_made(), made);

  // A new address: the bound session goes and the next one starts now, not after a back-off.
  RelayRoute moved = marked;
  moved.socket.bind_address = "192.0.2.77";
  relay_->SetRoutes({moved});
  EXPECT_EQ(On(kCell1), nullptr);
  ASSERT_NE(On("192.0.2.77"), nullptr);
  EXPECT_EQ(broker_.sessions_made(), made + 1);
  EXPECT_EQ(On("192.0.2.77")->options().mark, 0x200u);
  EXPECT_EQ(relay_->deliverer("cell1")->state(), BrokerState::kConnecting);
  EXPECT_EQ(relay_->deliverer("cell1")->stats().session_failures, 0u);
  // What was in flight goes again on the new source.
  Accept("192.0.2.77");
  EXPECT_EQ(Ids(On("192.0.2.77")), (std::vector<std::string>{a}));
}

TEST_F(AlertRelayPathsTest, AStandbyStaysConnectedAndPublishesNothing) {
  Make();
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, false)});
  Accept(kCell1);
  Accept(kCell2);
  std::string a = Submit(1);
  std::string b = Submit(2);
  EXPECT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a, b}));
  EXPECT_TRUE(On(kCell2)->published().empty());
  EXPECT_EQ(relay_->deliverer("cell2")->state(), BrokerState::kConnected);
  EXPECT_EQ(Session("cell2").publishing, false);
  EXPECT_EQ(Session("cell1").publishing, true);
  EXPECT_EQ(relay_->Status().duplicating, false);
}

TEST_F(AlertRelayPathsTest, SwitchingThePublishingPathMovesTheDrainWithoutLosingAnything) {
  Make(/*max_in_flight=*/2);
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, false)});
  Accept(kCell1);
  Accept(kCell2);
  std::string a = Submit(1);
  std::string b = Submit(2);
  std::string c = Submit(3);
  ASSERT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a, b}));

  relay_->SetRoutes({Route("cell1", kCell1, false), Route("cell2", kCell2, true)});
  // cell2 takes the drain at once, including what cell1 still has in flight (cell1's path may be
  // the one that went bad).
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a, b}));
  EXPECT_EQ(Session("cell2").duplicate_publishes, 2u);
  // cell1's PUBLISHes complete; it takes nothing new.
  AcknowledgeAll(kCell1);
  Settle();
  EXPECT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a, b}));
  EXPECT_EQ(Pending(), 1u);
  AcknowledgeAll(kCell2);
  Settle();
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a, b, c}));
  AcknowledgeAll(kCell2);
  Settle();
  EXPECT_EQ(Pending(), 0u);
  std::string d = Submit(4);
  EXPECT_EQ(Ids(On(kCell2)).back(), d);
  EXPECT_EQ(Ids(On(kCell1)).size(), 2u);
  EXPECT_EQ(relay_->Status().delivered, 3u);
}

TEST_F(AlertRelayPathsTest, TwoPublishingSessionsBothPublishEachAlertAndTheOutboxCountsItOnce) {
  Make();
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, true)});
  Accept(kCell1);
  Accept(kCell2);
  std::string a = Submit(1, "critical");
  EXPECT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a}));
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a}));
  auto status = relay_->Status();
  EXPECT_EQ(status.duplicating, true);
  EXPECT_EQ(status.duplicate_publishes, 1u);
  EXPECT_EQ(status.publishes, 2u);

  On(kCell2)->Acknowledge(1);
  Settle();
  EXPECT_EQ(Pending(), 0u);
  On(kCell1)->Acknowledge(1);
  Settle();
  status = relay_->Status();
  EXPECT_EQ(status.delivered, 1u);
  EXPECT_EQ(Session("cell1").delivered, 1u);
  EXPECT_EQ(Session("cell2").delivered, 1u);
  EXPECT_EQ(Session("cell2").first_delivered, 1u);
  EXPECT_EQ(Session("cell1").first_delivered, 0u);
  EXPECT_EQ(status.in_flight, 0u);
}

TEST_F(AlertRelayPathsTest, APubackOnOnePathStopsTheOtherFromResendingItAfterTheSave) {
  Make(/*max_in_flight=*/1);
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, true)});
  Accept(kCell1);
  Accept(kCell2);
  std::string a = Submit(1);
  std::string b = Submit(2);
  ASSERT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a}));
  ASSERT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a}));
  On(kCell1)->Acknowledge(1);
  Settle();
  EXPECT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a, b}));
  // cell2's path dies with `a` unacknowledged; its next session starts from the outbox, where `a`
  // is delivered.
  On(kCell2)->Drop("keep-alive timeout");
  scheduler_.AdvanceBy(milliseconds(500));
  Accept(kCell2);
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{b}));
}

TEST_F(AlertRelayPathsTest, AnAlertAcknowledgedElsewhereIsSkippedAndTheOthersRefillAfterTheSave) {
  Make(/*max_in_flight=*/1);
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, true)});
  Accept(kCell1);
  std::string a = Submit(1);
  std::string b = Submit(2);
  On(kCell1)->Acknowledge(1);  // `a` acknowledged, its save is still queued for this loop turn
  ASSERT_EQ(Ids(On(kCell1)), (std::vector<std::string>{a, b}));
  Accept(kCell2);
  // Not `a` (acknowledged on cell1), and its one-alert look at the outbox saw only `a`.
  EXPECT_TRUE(On(kCell2)->published().empty());
  Settle();
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{b}));
}

TEST_F(AlertRelayPathsTest, AConnectedStandbyPublishesWhileNoChosenPathIsConnected) {
  Make();
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, false)});
  Accept(kCell2);
  std::string a = Submit(1);
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a}));
  EXPECT_EQ(Session("cell2").publishing, true);
  EXPECT_EQ(Session("cell2").chosen, false);
  EXPECT_EQ(relay_->Status().duplicating, false);

  // The chosen path connects: the standby goes back to standby and its PUBLISH completes.
  Accept(kCell1);
  EXPECT_EQ(Session("cell2").publishing, false);
  std::string b = Submit(2);
  EXPECT_EQ(Ids(On(kCell2)), (std::vector<std::string>{a}));
  EXPECT_EQ(Ids(On(kCell1)).back(), b);
  On(kCell2)->Acknowledge(1);
  Settle();
  EXPECT_TRUE(relay_->outbox().Find(a).value()->delivered_ms);

  // The chosen path drops: the standby takes over again.
  On(kCell1)->Drop("connection lost");
  EXPECT_EQ(Session("cell2").publishing, true);
  std::string c = Submit(3);
  EXPECT_EQ(Ids(On(kCell2)).back(), c);
}

TEST_F(AlertRelayPathsTest, StatusKeepsTheBrokerFieldsAndListsSessions) {
  Make();
  relay_->SetRoutes({Route("cell1", kCell1, true), Route("cell2", kCell2, true)});
  Accept(kCell1);
  On(kCell2)->Drop("connection refused");
  auto status = relay_->Status();
  // The best state across sessions.
  EXPECT_EQ(status.broker.state, BrokerState::kConnected);
  EXPECT_EQ(status.broker.connects, 1u);
  EXPECT_EQ(status.broker.session_failures, 1u);
  EXPECT_EQ(status.broker.last_error, "cell2: connection refused");
  EXPECT_EQ(status.duplicating, true);
  ASSERT_EQ(status.sessions.size(), 2u);
  auto cell2 = Session("cell2");
  EXPECT_EQ(cell2.state, BrokerState::kBackingOff);
  EXPECT_EQ(cell2.bind_address, kCell2);
  EXPECT_EQ(cell2.publishing, true);
  EXPECT_EQ(cell2.last_error, "connection refused");
  EXPECT_EQ(cell2.connects, 0u);
  // A removed route's counters stay in the totals.
  relay_->SetRoutes({Route("cell1", kCell1, true)});
  EXPECT_EQ(relay_->Status().broker.session_failures, 1u);
  EXPECT_EQ(relay_->Status().duplicating, false);
}

TEST_F(AlertRelayPathsTest, TheCommonOptionsReachEveryPathAndARouteMarkWins) {
  Make();
  SocketOptions common;
  common.priority = 0x10010;
  common.mark = 0x100;
  common.rto_min_us = 20000;
  relay_->SetSocketOptions(common);
  RelayRoute cell2 = Route("cell2", kCell2, false);
  cell2.socket.mark = 0x300;
  relay_->SetRoutes({Route("cell1", kCell1, true), cell2});
  EXPECT_EQ(On(kCell1)->options().priority, 0x10010u);
  EXPECT_EQ(On(kCell1)->options().mark, 0x100u);
  EXPECT_EQ(On(kCell1)->options().rto_min_us, 20000u);
  EXPECT_EQ(On(kCell2)->options().mark, 0x300u);
  EXPECT_EQ(On(kCell2)->options().priority, 0x10010u);
}

}  // namespace
}  // namespace uplinkd::relay
