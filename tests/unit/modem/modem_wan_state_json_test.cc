#include "modem/modem_wan_state_json.h"

#include <gtest/gtest.h>

namespace uplinkd::modem {
namespace {

TEST(ModemWanStateJsonTest, ConnectedWan) {
  ModemWanState state;
  state.name = "modem1";
  state.phase = SupervisorPhase::kConnected;
  state.wan_up = true;
  state.registration = RegistrationState::kHome;
  state.access_technology = AccessTechnology::kLte;
  state.signal.rsrp_dbm = -97.5;
  state.interface = "wwan0";
  state.ipv4 = BearerIpConfig{*net::IpPrefix::Parse("100.64.1.2/30"), net::IpAddress::Parse("100.64.1.1"),
                              {*net::IpAddress::Parse("100.64.1.1")}, 1500};
  state.counters.bearer_drops = 3;
  nlohmann::json json = ToJson(state);
  EXPECT_EQ(json["name"], "modem1");
  EXPECT_EQ(json["phase"], "connected");
  EXPECT_EQ(json["wan_up"], true);
  EXPECT_EQ(json["registration"], "home");
  EXPECT_EQ(json["access_technology"], "lte");
  EXPECT_EQ(json["signal"]["rsrp_dbm"], -97.5);
  EXPECT_TRUE(json["signal"]["snr_db"].is_null());
  EXPECT_EQ(json["ipv4"]["address"], "100.64.1.2/30");
  EXPECT_EQ(json["ipv4"]["gateway"], "100.64.1.1");
  EXPECT_EQ(json["ipv4"]["dns"][0], "100.64.1.1");
  EXPECT_TRUE(json["ipv6"].is_null());
  EXPECT_EQ(json["counters"]["bearer_drops"], 3);
}

TEST(ModemWanStateJsonTest, Event) {
  nlohmann::json json = ToJson(ModemEvent{"modem2", ModemEventKind::kPinRejected, "SIM PIN rejected"});
  EXPECT_EQ(json["kind"], "pin-rejected");
  EXPECT_EQ(json["name"], "modem2");
}

}  // namespace
}  // namespace uplinkd::modem
