#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dbus/alert_relay_properties.h"
#include "dbus/wan_properties.h"

namespace uplinkd::dbus {
namespace {

// One entry as PolicyController::WansJson() writes it.
nlohmann::json WanStatus() {
  return {{"name", "lte-a"},     {"kind", "modem"},     {"interface", "wwan0"}, {"health", "up"},
          {"usable", true},      {"link_up", true},     {"bearer_up", true},    {"degraded", false},
          {"loss", 0.05},        {"probes_sent", 40},   {"probes_lost", 2},     {"probe_bytes", 3840},
          {"reason", "3 of 3 targets answer"},          {"table", 101},         {"mark", 17},
          {"priority", 1},       {"weight", 1},         {"rtt_ms", 12.5},       {"jitter_ms", nullptr}};
}

TEST(WanPropertiesTest, FromThePolicyStatus) {
  auto wan = WanPropertiesFromStatus(WanStatus(), {"100.64.1.2/30"});
  EXPECT_EQ(wan.name, "lte-a");
  EXPECT_EQ(wan.state, "up");
  EXPECT_TRUE(wan.usable);
  EXPECT_DOUBLE_EQ(wan.rtt_ms, 12.5);
  EXPECT_DOUBLE_EQ(wan.jitter_ms, -1) << "not measured yet";
  EXPECT_DOUBLE_EQ(wan.loss, 0.05);
  EXPECT_EQ(wan.counters, (std::map<std::string, uint64_t>{{"probe_bytes", 3840}, {"probes_lost", 2}, {"probes_sent", 40}}));
  EXPECT_EQ(wan.table, 101u);
  EXPECT_EQ(wan.mark, 17u);
  EXPECT_EQ(wan.addresses, std::vector<std::string>{"100.64.1.2/30"});
}

TEST(WanPropertiesTest, AFailureChangesStateUsableAndReason) {
  auto failed = WanStatus();
  failed["health"] = "down";
  failed["usable"] = false;
  failed["reason"] = "bearer lost";
  EXPECT_EQ(ChangedPropertyNames(WanPropertiesFromStatus(WanStatus(), {}), WanPropertiesFromStatus(failed, {})),
            (std::vector<std::string>{"State", "Usable", "Reason"}));
}

TEST(WanPropertiesTest, MissingOrMistypedMembersKeepDefaults) {
  auto wan = WanPropertiesFromStatus({{"name", "x"}, {"table", "not a number"}}, {});
  EXPECT_EQ(wan.name, "x");
  EXPECT_EQ(wan.table, 0u);
  EXPECT_EQ(wan.state, "unknown");
}

TEST(AlertRelayPropertiesTest, FromTheRelayStatus) {
  nlohmann::json status = {
      {"outbox_depth", 3}, {"outbox_stored", 5}, {"outbox_max", 10000}, {"delivered", 42}, {"outbox_parked", 1},
      {"last_delivery_ms", 1740920000123}, {"in_flight", 1},
      {"broker", {{"state", "connected"}, {"host", "203.0.113.10"}, {"port", 1883}, {"tls", false},
                  {"connects", 2}, {"session_failures", 1}, {"last_error", ""}}},
      {"submissions", {{"accepted", 45}, {"duplicates", 1}, {"refused", 0}, {"busy", 0},
                       {"evicted_pending", 0}, {"storage_errors", 0}, {"batches", 40}}},
      {"publishes", 44}, {"socket", "/run/uplinkd/alerts.sock"}};
  auto relay = AlertRelayPropertiesFromStatus(status);
  EXPECT_EQ(relay.outbox_depth, 3u);
  EXPECT_EQ(relay.last_delivery, 1740920000123u);
  EXPECT_EQ(relay.broker_state, "connected");
  EXPECT_EQ(relay.broker, "203.0.113.10:1883");
  EXPECT_EQ(relay.counters.at("accepted"), 45u);
  EXPECT_EQ(relay.counters.at("publishes"), 44u);
  EXPECT_EQ(relay.counters.at("session_failures"), 1u);
  EXPECT_EQ(relay.counters.at("parked"), 1u);
  EXPECT_EQ(relay.counters.at("batches"), 40u);
  EXPECT_EQ(relay.socket, "/run/uplinkd/alerts.sock");
  EXPECT_EQ(AlertRelayPropertiesFromStatus({{"last_delivery_ms", nullptr}}).last_delivery, 0u);
}

TEST(AlertRelayPropertiesTest, SubmitAnswers) {
  std::string ok = R"({"ok": true, "id": "a-000172", "ref": "r1"})";
  EXPECT_EQ(*SubmitAnswerFromReply(ok), ok);
  auto bad = SubmitAnswerFromReply(R"({"ok": false, "error": "bad-field", "message": "severity", "retryable": false})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "bad-field: severity");
  auto busy = SubmitAnswerFromReply(R"({"ok": false, "error": "busy", "retryable": true})");
  EXPECT_EQ(busy.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(SubmitAnswerFromReply("garbage"));
}

}  // namespace
}  // namespace uplinkd::dbus
