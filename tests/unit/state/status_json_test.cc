// status.json rendered from a typed snapshot: the shape and the members the lab, the benchmarks
// and scripts/show-live-state read (tests/lab, tests/bench), with the values of the typed fields.
#include "state/status_json.h"

#include <gtest/gtest.h>

#include "sample_snapshot.h"

namespace uplinkd::state {
namespace {

using testing::Sample;

TEST(StatusJsonTest, TopLevelShape) {
  auto status = StatusJson(Sample());
  std::vector<std::string> keys;
  for (const auto& [key, value] : status.items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"alerts", "bus", "config", "inference", "links", "modems", "paths", "pid",
                                            "recent_events", "uptime_s", "version", "wans"}));
  EXPECT_EQ(status["version"], "0.1.0");
  EXPECT_EQ(status["pid"], 4242);
  EXPECT_EQ(status["uptime_s"], 90);  // taken - started_at
  EXPECT_EQ(status["config"], (nlohmann::json{{"path", "/etc/uplinkd/uplinkd.toml"}, {"generation", 2},
                                              {"last_reload", "applied"}}));
  EXPECT_EQ(status["bus"], "system");
}

TEST(StatusJsonTest, WansCarryEveryMemberReadersUse) {
  auto wans = StatusJson(Sample())["wans"];
  ASSERT_EQ(wans.size(), 2u);
  const auto& cell1 = wans[0];
  EXPECT_EQ(cell1["name"], "cell1");
  EXPECT_EQ(cell1["kind"], "modem");
  EXPECT_EQ(cell1["interface"], "wwan0");
  EXPECT_EQ(cell1["health"], "up");
  EXPECT_EQ(cell1["usable"], true);
  EXPECT_EQ(cell1["degraded"], false);
  EXPECT_EQ(cell1["link_up"], true);
  EXPECT_EQ(cell1["bearer_up"], true);
  EXPECT_EQ(cell1["rtt_ms"], 12.5);
  EXPECT_TRUE(cell1["jitter_ms"].is_null()) << "not measured yet";
  EXPECT_EQ(cell1["loss"], 0.05);
  EXPECT_EQ(cell1["probes_sent"], 40);
  EXPECT_EQ(cell1["probes_lost"], 2);
  EXPECT_EQ(cell1["probe_bytes"], 3840);
  EXPECT_EQ(cell1["reason"], "3 of 3 targets answer");
  EXPECT_EQ(cell1["admin_state"], "up");
  Snapshot taken_down = Sample();
  taken_down.wans[1].admin_up = false;
  EXPECT_EQ(StatusJson(taken_down)["wans"][1]["admin_state"], "down");
  EXPECT_EQ(cell1["table"], 101);
  EXPECT_EQ(cell1["mark"], 0x100);
  EXPECT_EQ(cell1["priority"], 1);
  EXPECT_EQ(cell1["weight"], 1);
  const auto& lanes = cell1["lanes"];
  EXPECT_EQ(lanes["rate_kbit"], 900);
  EXPECT_EQ(lanes["upload_kbit"], 1000);
  EXPECT_EQ(lanes["min_kbit"], 250);
  EXPECT_EQ(lanes["adaptive"], true);
  EXPECT_EQ(lanes["installed"], true);
  EXPECT_EQ(lanes["level"], "normal");
  EXPECT_EQ(lanes["baseline_ms"], 20.0);
  EXPECT_TRUE(lanes["delay_ms"].is_null());
  EXPECT_TRUE(lanes["capacity_estimate_kbit"].is_null());
  EXPECT_EQ(lanes["classes"]["alert"], (nlohmann::json{{"class_id", "55:10"}, {"ceil_kbit", 900}, {"bytes", 3000},
                                                       {"packets", 2}, {"drops", 0}, {"backlog_packets", 0}}));
  // Counters not read yet: the lane without them.
  EXPECT_EQ(lanes["classes"]["bulk"], (nlohmann::json{{"class_id", "55:40"}, {"ceil_kbit", 90}}));
  EXPECT_TRUE(wans[1]["lanes"].is_null());
  EXPECT_EQ(wans[1]["health"], "down");
  EXPECT_TRUE(wans[1]["rtt_ms"].is_null());
}

TEST(StatusJsonTest, PathsPerClassAndTheConntrackCounter) {
  auto paths = StatusJson(Sample())["paths"];
  EXPECT_EQ(paths["alert"], (nlohmann::json{{"mode", "failover"},
                                            {"wan", "cell1"},
                                            {"wans", {{{"wan", "cell1"}, {"weight", 1}}}},
                                            {"reason", "cell2 unusable"},
                                            {"pin", nullptr}}));
  EXPECT_EQ(paths["bulk"]["pin"], (nlohmann::json{{"wan", "cell2"}, {"remaining_s", 300}, {"active", false}}));
  for (const char* name : {"management", "telemetry", "bulk"}) EXPECT_EQ(paths[name]["wan"], "cell1") << name;
  EXPECT_EQ(paths["conntrack_deleted"], 7);
  // No decision yet (or no policy): an empty object.
  Snapshot none = Sample();
  none.paths.reset();
  EXPECT_EQ(StatusJson(none)["paths"], nlohmann::json::object());
  // A class without a Wan.
  Snapshot empty = Sample();
  empty.paths->classes[0].wans.clear();
  EXPECT_TRUE(StatusJson(empty)["paths"]["alert"]["wan"].is_null());
}

TEST(StatusJsonTest, AlertsAreTheRelaysStatusOrWhyItIsNotRunning) {
  auto alerts = StatusJson(Sample())["alerts"];
  EXPECT_EQ(alerts["outbox_depth"], 3);
  EXPECT_EQ(alerts["outbox_stored"], 5);
  EXPECT_EQ(alerts["outbox_max"], 10000);
  EXPECT_EQ(alerts["delivered"], 42);
  EXPECT_EQ(alerts["last_delivery_ms"], 1740920000123);
  EXPECT_EQ(alerts["in_flight"], 1);
  EXPECT_EQ(alerts["broker"], (nlohmann::json{{"state", "connected"}, {"host", "203.0.113.10"}, {"port", 1883},
                                              {"tls", false}, {"connects", 2}, {"session_failures", 1},
                                              {"last_error", "cell2: connection refused"}}));
  EXPECT_EQ(alerts["submissions"]["accepted"], 45);
  EXPECT_EQ(alerts["submissions"]["refused"], 0);
  EXPECT_EQ(alerts["duplicating"], false);
  EXPECT_EQ(alerts["publishes"], 44);
  ASSERT_EQ(alerts["sessions"].size(), 1u);
  EXPECT_EQ(alerts["sessions"][0]["wan"], "cell1");
  EXPECT_EQ(alerts["sessions"][0]["state"], "connected");
  EXPECT_EQ(alerts["sessions"][0]["bind_address"], "100.64.1.2");
  EXPECT_EQ(alerts["socket"], "/run/uplinkd/alerts.sock");
  EXPECT_FALSE(alerts.contains("enabled"));

  Snapshot stopped = Sample();
  stopped.alerts.relay.reset();
  stopped.alerts.error = "outbox: disk full";
  EXPECT_EQ(StatusJson(stopped)["alerts"], (nlohmann::json{{"enabled", true}, {"error", "outbox: disk full"}}));
  stopped.alerts = {};
  EXPECT_EQ(StatusJson(stopped)["alerts"], (nlohmann::json{{"enabled", false}}));
  Snapshot never = Sample();
  never.alerts.relay->last_delivery_ms.reset();
  EXPECT_TRUE(StatusJson(never)["alerts"]["last_delivery_ms"].is_null());
}

TEST(StatusJsonTest, ModemsLinksInferenceAndEvents) {
  auto status = StatusJson(Sample());
  ASSERT_EQ(status["modems"].size(), 2u);
  EXPECT_EQ(status["modems"][0]["name"], "modem1");
  EXPECT_EQ(status["modems"][0]["imei"], "490154203237518");
  EXPECT_EQ(status["modems"][0]["signal_quality"], 80);
  EXPECT_EQ(status["links"][0], (nlohmann::json{{"name", "wwan0"}, {"index", 3}, {"admin_up", true}, {"carrier", true},
                                                {"mtu", 1500}, {"addresses", {"100.64.1.2/30", "2001:db8:1::2/64"}}}));
  EXPECT_EQ(status["links"][1]["carrier"], false);
  EXPECT_EQ(status["inference"], (nlohmann::json{{"enabled", true}, {"state", "running"}, {"pid", 777}, {"starts", 1},
                                                 {"exits", 0}, {"watchdog_kills", 0}}));
  Snapshot failed = Sample();
  failed.inference.worker.reset();
  failed.inference.error = "user uplinkd-infer does not exist";
  EXPECT_EQ(StatusJson(failed)["inference"],
            (nlohmann::json{{"enabled", true}, {"error", "user uplinkd-infer does not exist"}}));
  EXPECT_EQ(status["recent_events"], (nlohmann::json{{{"name", "modem2"}, {"kind", "wan-down"},
                                                      {"message", "bearer lost"}, {"time", 1740000050}}}));
}

}  // namespace
}  // namespace uplinkd::state
