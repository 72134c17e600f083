#include "relay/alert_relay.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/asio_scheduler.h"
#include "relay/fake_mqtt_session.h"
#include "tests/unit/relay/relay_test_support.h"

namespace uplinkd::relay {
namespace {

constexpr const char* kGood =
    R"({"id":"infer-1","time":"2025-03-02T14:07:31.250Z","source":"uplinkd-infer","severity":"major",)"
    R"("payload":{"kind":"inference","score":7.25}})";

class AlertRelayTest : public ::testing::Test {
 protected:
  void Make(uint64_t max_alerts = 100) {
    AlertRelaySettings settings;
    settings.socket_path = dir_.File("alerts.sock");
    settings.outbox_path = dir_.File("outbox.sqlite");
    settings.max_alerts = max_alerts;
    auto relay = AlertRelay::Create(io_, scheduler_, settings, broker_.Factory());
    ASSERT_TRUE(relay) << Describe(relay.error());
    relay_ = std::move(*relay);
  }
  nlohmann::json Submit(std::string_view datagram) { return nlohmann::json::parse(relay_->HandleSubmission(datagram)); }
  std::vector<StoredAlert> Pending() const { return relay_->outbox().Pending(1000).value(); }

  TempDir dir_;
  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  FakeMqttBroker broker_;
  std::unique_ptr<AlertRelay> relay_;
};

TEST_F(AlertRelayTest, AGoodSubmissionIsStoredBeforeTheOkReply) {
  Make();
  auto reply = Submit(kGood);
  ASSERT_EQ(reply["ok"], true) << reply;
  EXPECT_EQ(reply["ref"], "infer-1");
  auto pending = Pending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(reply["id"], pending[0].id);
  EXPECT_EQ(pending[0].severity, AlertSeverity::kMajor);
  EXPECT_EQ(pending[0].source, "uplinkd-infer");
  EXPECT_EQ(nlohmann::json::parse(pending[0].payload_json)["score"], 7.25);
  // The resend after a lost reply: same id, queued once.
  auto again = Submit(kGood);
  EXPECT_EQ(again["id"], reply["id"]);
  EXPECT_EQ(Pending().size(), 1u);
  EXPECT_EQ(relay_->stats().duplicates, 1u);
}

TEST_F(AlertRelayTest, BadSubmissionsGetAClearErrorAndChangeNothing) {
  Make();
  ASSERT_EQ(Submit(kGood)["ok"], true);
  struct Case {
    std::string datagram;
    std::string error;
  };
  std::string big = std::string(kGood);
  big.insert(big.size() - 2, ",\"pad\":\"" + std::string(9000, 'x') + "\"");
  std::vector<Case> cases = {
      {"not json", "bad-json"},
      {"[1,2]", "bad-json"},
      {R"({"time":"2025-03-02T14:07:31Z","source":"s","severity":"major"})", "missing-field"},
      {R"({"id":"r9","time":"2025-03-02T14:07:31Z","source":"s","severity":"fatal","payload":{}})", "bad-field"},
      {R"({"time":"yesterday","source":"s","severity":"info","payload":{}})", "bad-field"},
      {R"({"time":"2025-03-02T14:07:31Z","source":"s","severity":"info","payload":{},"x":1})", "unknown-field"},
      {big, "too-large"},
  };
  for (const auto& c : cases) {
    auto reply = Submit(c.datagram);
    EXPECT_EQ(reply["ok"], false) << c.datagram.substr(0, 80);
    EXPECT_EQ(reply["error"], c.error) << c.datagram.substr(0, 80);
    EXPECT_EQ(reply["retryable"], false);
    EXPECT_TRUE(reply["message"].is_string());
  }
  EXPECT_EQ(Submit(cases[3].datagram)["ref"], "r9");
  EXPECT_EQ(Pending().size(), 1u);
  EXPECT_EQ(relay_->outbox().counts().stored, 1u);
  EXPECT_EQ(relay_->stats().refused, cases.size() + 1);
}

TEST_F(AlertRelayTest, AFullOutboxAnswersBusyRetryable) {
  Make(1);
  std::string critical = kGood;
  critical.replace(critical.find("major"), 5, "critical");
  ASSERT_EQ(Submit(critical)["ok"], true);
  std::string another = critical;
  another.replace(another.find("infer-1"), 7, "infer-2");
  auto reply = Submit(another);
  EXPECT_EQ(reply["ok"], false);
  EXPECT_EQ(reply["error"], "busy");
  EXPECT_EQ(reply["retryable"], true);
  EXPECT_EQ(reply["ref"], "infer-2");
  EXPECT_EQ(Pending().size(), 1u);
}

TEST_F(AlertRelayTest, RepliesOverTheDatagramSocketAndPublishesWhenConnected) {
  Make();
  int client = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(client, 0);
  sockaddr_un autobind{};
  autobind.sun_family = AF_UNIX;
  ASSERT_EQ(::bind(client, reinterpret_cast<sockaddr*>(&autobind), sizeof(sa_family_t)), 0);
  sockaddr_un relay{};
  relay.sun_family = AF_UNIX;
  std::string path = dir_.File("alerts.sock");
  std::strncpy(relay.sun_path, path.c_str(), sizeof(relay.sun_path) - 1);
  ASSERT_EQ(::sendto(client, kGood, std::strlen(kGood), 0, reinterpret_cast<sockaddr*>(&relay), sizeof(relay)),
            static_cast<ssize_t>(std::strlen(kGood)));
  while (relay_->stats().accepted == 0) io_.run_one();
  char reply[1024];
  ssize_t got = ::recv(client, reply, sizeof(reply), MSG_DONTWAIT);
  ASSERT_GT(got, 0);
  auto json = nlohmann::json::parse(std::string_view(reply, static_cast<size_t>(got)));
  EXPECT_EQ(json["ok"], true);
  ::close(client);

  ASSERT_NE(broker_.session(), nullptr);
  broker_.session()->AcceptConnection();
  ASSERT_EQ(broker_.session()->published().size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(broker_.session()->published()[0].payload)["id"], json["id"]);
  auto status = relay_->Status();
  EXPECT_EQ(status.outbox_depth, 1u);
  EXPECT_EQ(status.broker.state, BrokerState::kConnected);
  EXPECT_EQ(status.in_flight, 1u);

  relay_->Stop();
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace uplinkd::relay
