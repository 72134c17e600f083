// The D-Bus property values rendered from a typed snapshot (the other renderer of the store):
// org.uplinkd1.Manager, .Wan and .AlertRelay, with the names and types of dbus/org.uplinkd1.*.xml.
#include <gtest/gtest.h>

#include "dbus/alert_relay_properties.h"
#include "dbus/manager_properties.h"
#include "dbus/wan_properties.h"
#include "sample_snapshot.h"

namespace uplinkd::state {
namespace {

using testing::Sample;

TEST(DbusPropertiesTest, WanFromTheTypedStatusAndItsLinksAddresses) {
  Snapshot snapshot = Sample();
  auto wan = dbus::WanPropertiesFrom(snapshot.wans[0], snapshot.links);
  EXPECT_EQ(wan.name, "cell1");
  EXPECT_EQ(wan.kind, "modem");
  EXPECT_EQ(wan.state, "up");
  EXPECT_TRUE(wan.usable);
  EXPECT_FALSE(wan.degraded);
  EXPECT_TRUE(wan.link_up);
  EXPECT_TRUE(wan.bearer_up);
  EXPECT_EQ(wan.reason, "3 of 3 targets answer");
  EXPECT_EQ(wan.interface, "wwan0");
  EXPECT_EQ(wan.addresses, (std::vector<std::string>{"100.64.1.2/30", "2001:db8:1::2/64"}));
  EXPECT_DOUBLE_EQ(wan.rtt_ms, 12.5);
  EXPECT_DOUBLE_EQ(wan.jitter_ms, -1) << "not measured yet";
  EXPECT_DOUBLE_EQ(wan.loss, 0.05);
  EXPECT_EQ(wan.counters, (std::map<std::string, uint64_t>{{"probe_bytes", 3840}, {"probes_lost", 2}, {"probes_sent", 40}}));
  EXPECT_EQ(wan.table, 101u);
  EXPECT_EQ(wan.mark, 0x100u);
  // A Wan whose interface has no link (yet) has no addresses.
  auto cell2 = dbus::WanPropertiesFrom(snapshot.wans[1], {});
  EXPECT_TRUE(cell2.addresses.empty());
  EXPECT_EQ(cell2.state, "down");
}

TEST(DbusPropertiesTest, AWanFailureChangesStateUsableAndReasonOnly) {
  Snapshot snapshot = Sample();
  policy::WanStatus failed = snapshot.wans[0];
  failed.health.state = policy::WanHealthState::kDown;
  failed.usable = false;
  failed.health.reason = "bearer lost";
  EXPECT_EQ(dbus::ChangedPropertyNames(dbus::WanPropertiesFrom(snapshot.wans[0], snapshot.links),
                                       dbus::WanPropertiesFrom(failed, snapshot.links)),
            (std::vector<std::string>{"State", "Usable", "Reason"}));
}

TEST(DbusPropertiesTest, AlertRelayFromTheTypedStatus) {
  auto relay = dbus::AlertRelayPropertiesFrom(*Sample().alerts.relay);
  EXPECT_EQ(relay.outbox_depth, 3u);
  EXPECT_EQ(relay.outbox_stored, 5u);
  EXPECT_EQ(relay.outbox_max, 10000u);
  EXPECT_EQ(relay.in_flight, 1u);
  EXPECT_EQ(relay.delivered, 42u);
  EXPECT_EQ(relay.last_delivery, 1740920000123u);
  EXPECT_EQ(relay.broker_state, "connected");
  EXPECT_EQ(relay.broker, "203.0.113.10:1883");
  EXPECT_EQ(relay.last_error, "cell2: connection refused");
  EXPECT_EQ(relay.counters, (std::map<std::string, uint64_t>{{"accepted", 45}, {"batches", 0}, {"busy", 0}, {"connects", 2},
                                                              {"duplicates", 1}, {"evicted_pending", 0},
                                                              {"parked", 0}, {"publishes", 44}, {"refused", 0},
                                                              {"session_failures", 1}, {"storage_errors", 0}}));
  EXPECT_EQ(relay.socket, "/run/uplinkd/alerts.sock");
  relay::AlertRelayStatus never;
  EXPECT_EQ(dbus::AlertRelayPropertiesFrom(never).last_delivery, 0u);
  EXPECT_EQ(dbus::AlertRelayPropertiesFrom(never).broker, "") << "no host: no broker";
}

TEST(DbusPropertiesTest, ManagerSumsTheWansAndNamesEachClasssWan) {
  auto manager = dbus::ManagerPropertiesFrom(Sample());
  EXPECT_EQ(manager.version, "0.1.0");
  EXPECT_EQ(manager.uplinks_configured, 2u);
  EXPECT_EQ(manager.uplinks_up, 1u);
  EXPECT_EQ(manager.state, "degraded");
  EXPECT_EQ(manager.paths, (std::map<std::string, std::string>{
                               {"alert", "cell1"}, {"bulk", "cell1"}, {"management", "cell1"}, {"telemetry", "cell1"}}));
  EXPECT_EQ(manager.config_path, "/etc/uplinkd/uplinkd.toml");
  EXPECT_EQ(manager.config_generation, 2u);
  EXPECT_EQ(manager.last_reload, "applied");
  EXPECT_EQ(manager.log_level, "info");
  EXPECT_EQ(manager.start_time, 1740000000u);
}

TEST(DbusPropertiesTest, ManagerWithoutAPolicyCountsTheModems) {
  Snapshot snapshot = Sample();
  snapshot.daemon.policy_running = false;
  snapshot.wans.clear();
  snapshot.paths.reset();
  auto manager = dbus::ManagerPropertiesFrom(snapshot);
  EXPECT_EQ(manager.uplinks_configured, 2u);
  EXPECT_EQ(manager.uplinks_up, 1u);  // modem1's wan_up
  EXPECT_TRUE(manager.paths.empty());
  snapshot.daemon.stopping = true;
  EXPECT_EQ(dbus::ManagerPropertiesFrom(snapshot).state, "stopping");
  snapshot.daemon = {};
  EXPECT_EQ(dbus::ManagerPropertiesFrom(snapshot).state, "starting");
}

}  // namespace
}  // namespace uplinkd::state
