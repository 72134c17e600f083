#include "dbus/modem_properties.h"

#include <gtest/gtest.h>

namespace uplinkd::dbus {
namespace {

TEST(ModemPropertiesTest, ConnectedModem) {
  modem::ModemWanState state;
  state.name = "modem1";
  state.phase = modem::SupervisorPhase::kConnected;
  state.wan_up = true;
  state.imei = "860000000000011";
  state.modem_state = modem::ModemState::kConnected;
  state.registration = modem::RegistrationState::kHome;
  state.operator_name = "Lab Carrier One";
  state.operator_code = "00101";
  state.access_technology = modem::AccessTechnology::kLte;
  state.signal_quality = 80;
  state.signal.rsrp_dbm = -90.5;
  state.bearer_connected = true;
  state.interface = "wwan0";
  state.ipv4 = modem::BearerIpConfig{*net::IpPrefix::Parse("100.64.1.2/30"), net::IpAddress::Parse("100.64.1.1"), {}, 1500};
  state.dns = {*net::IpAddress::Parse("192.0.2.53")};
  state.counters.bearer_drops = 3;

  auto properties = ModemPropertiesFrom(state);
  EXPECT_EQ(properties.phase, "connected");
  EXPECT_EQ(properties.modem_state, "connected");
  EXPECT_EQ(properties.registration, "home");
  EXPECT_EQ(properties.access_technology, "lte");
  EXPECT_EQ(properties.sim_pin_retries, -1);
  EXPECT_EQ(properties.signal, (std::map<std::string, double>{{"rsrp_dbm", -90.5}}));
  EXPECT_EQ(properties.ipv4_address, "100.64.1.2/30");
  EXPECT_EQ(properties.ipv4_gateway, "100.64.1.1");
  EXPECT_EQ(properties.ipv6_address, "");
  EXPECT_EQ(properties.mtu, 1500u);
  EXPECT_EQ(properties.dns, std::vector<std::string>{"192.0.2.53"});
  EXPECT_EQ(properties.counters.at("bearer_drops"), 3u);
  EXPECT_EQ(properties.counters.size(), 6u);
}

TEST(ModemPropertiesTest, ABearerDropChangesWhatThePolicyAndPeopleWatch) {
  modem::ModemWanState up;
  up.name = "modem1";
  up.phase = modem::SupervisorPhase::kConnected;
  up.wan_up = true;
  up.bearer_connected = true;
  modem::ModemWanState down = up;
  down.phase = modem::SupervisorPhase::kBackingOff;
  down.wan_up = false;
  down.bearer_connected = false;
  down.counters.bearer_drops = 1;
  EXPECT_EQ(ChangedPropertyNames(ModemPropertiesFrom(up), ModemPropertiesFrom(down)),
            (std::vector<std::string>{"Phase", "WanUp", "BearerConnected", "Counters"}));
}

}  // namespace
}  // namespace uplinkd::dbus
