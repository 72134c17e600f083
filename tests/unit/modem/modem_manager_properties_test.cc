// ModemManager's D-Bus properties, as sdbus-c++ variants with MM's numeric values, become our
// value types. No bus needed: variants are built in memory.
#include "modem/modem_manager_properties.h"

#include <gtest/gtest.h>

namespace uplinkd::modem::mm {
namespace {

net::IpAddress Ip(const char* text) { return *net::IpAddress::Parse(text); }

TEST(ModemManagerPropertiesTest, ModemInterface) {
  PropertyMap properties;
  properties["Sim"] = sdbus::Variant(sdbus::ObjectPath("/org/freedesktop/ModemManager1/SIM/3"));
  properties["Bearers"] = sdbus::Variant(std::vector<sdbus::ObjectPath>{
      sdbus::ObjectPath("/org/freedesktop/ModemManager1/Bearer/7")});
  properties["EquipmentIdentifier"] = sdbus::Variant(std::string("860000000000011"));
  properties["Device"] = sdbus::Variant(std::string("/sys/devices/pci0000:00/usb1/1-1"));
  properties["State"] = sdbus::Variant(int32_t{8});              // MM_MODEM_STATE_REGISTERED
  properties["StateFailedReason"] = sdbus::Variant(uint32_t{0});
  properties["UnlockRequired"] = sdbus::Variant(uint32_t{2});    // MM_MODEM_LOCK_SIM_PIN
  properties["UnlockRetries"] = sdbus::Variant(std::map<uint32_t, uint32_t>{{2, 3}, {4, 10}});
  properties["AccessTechnologies"] = sdbus::Variant(uint32_t{1u << 14});  // LTE
  properties["SignalQuality"] = sdbus::Variant(sdbus::Struct<uint32_t, bool>(77u, true));

  ModemInfo info;
  std::vector<std::string> bearers;
  auto effects = ApplyModemProperties(properties, info, bearers);
  EXPECT_TRUE(effects.sim_path_changed);
  EXPECT_TRUE(effects.bearers_changed);
  EXPECT_EQ(info.sim_path, "/org/freedesktop/ModemManager1/SIM/3");
  EXPECT_EQ(bearers, std::vector<std::string>{"/org/freedesktop/ModemManager1/Bearer/7"});
  EXPECT_EQ(info.equipment_identifier, "860000000000011");
  EXPECT_EQ(info.device, "/sys/devices/pci0000:00/usb1/1-1");
  EXPECT_EQ(info.state, ModemState::kRegistered);
  EXPECT_EQ(info.unlock_required, SimLock::kSimPin);
  EXPECT_EQ(info.pin_retries, 3u);
  EXPECT_EQ(info.access_technology, AccessTechnology::kLte);
  EXPECT_EQ(info.signal_quality, 77u);

  // "/" means no SIM; the same SIM path again is no change.
  PropertyMap no_sim;
  no_sim["Sim"] = sdbus::Variant(sdbus::ObjectPath("/"));
  EXPECT_TRUE(ApplyModemProperties(no_sim, info, bearers).sim_path_changed);
  EXPECT_EQ(info.sim_path, "");
  EXPECT_FALSE(ApplyModemProperties(no_sim, info, bearers).sim_path_changed);
}

TEST(ModemManagerPropertiesTest, AValueOfTheWrongTypeIsIgnored) {
  PropertyMap properties;
  properties["State"] = sdbus::Variant(std::string("connected"));
  ModemInfo info;
  info.state = ModemState::kDisabled;
  std::vector<std::string> bearers;
  ApplyModemProperties(properties, info, bearers);
  EXPECT_EQ(info.state, ModemState::kDisabled);
}

TEST(ModemManagerPropertiesTest, EnumMappings) {
  EXPECT_EQ(ModemStateFromMm(-1), ModemState::kFailed);
  EXPECT_EQ(ModemStateFromMm(11), ModemState::kConnected);
  EXPECT_EQ(ModemStateFromMm(99), ModemState::kUnknown);
  EXPECT_EQ(RegistrationFromMm(1), RegistrationState::kHome);
  EXPECT_EQ(RegistrationFromMm(5), RegistrationState::kRoaming);
  EXPECT_EQ(RegistrationFromMm(2), RegistrationState::kSearching);
  EXPECT_EQ(RegistrationFromMm(3), RegistrationState::kDenied);
  EXPECT_EQ(RegistrationFromMm(9), RegistrationState::kHome);     // home, CSFB not preferred
  EXPECT_EQ(RegistrationFromMm(6), RegistrationState::kOther);    // SMS only
  EXPECT_EQ(AccessTechnologyFromMm((1u << 14) | (1u << 15)), AccessTechnology::k5gNr);
  EXPECT_EQ(AccessTechnologyFromMm(1u << 9), AccessTechnology::kUmts);
  EXPECT_EQ(AccessTechnologyFromMm(1u << 4), AccessTechnology::kGsm);
  EXPECT_EQ(SimLockFromMm(4), SimLock::kSimPuk);
  EXPECT_EQ(FailedReasonFromMm(2), ModemFailedReason::kSimMissing);
  EXPECT_EQ(BearerIpMethodFromMm(2), BearerIpMethod::kStatic);
  EXPECT_EQ(BearerIpMethodFromMm(1), BearerIpMethod::kPpp);
  EXPECT_EQ(BearerIpMethodFromMm(3), BearerIpMethod::kDhcp);
}

TEST(ModemManagerPropertiesTest, Modem3gppInterface) {
  PropertyMap properties;
  properties["RegistrationState"] = sdbus::Variant(uint32_t{5});
  properties["OperatorCode"] = sdbus::Variant(std::string("00101"));
  properties["OperatorName"] = sdbus::Variant(std::string("Lab Carrier One"));
  ModemInfo info;
  ApplyModem3gppProperties(properties, info);
  EXPECT_EQ(info.registration, RegistrationState::kRoaming);
  EXPECT_EQ(info.operator_code, "00101");
  EXPECT_EQ(info.operator_name, "Lab Carrier One");
}

TEST(ModemManagerPropertiesTest, StaticBearer) {
  PropertyMap ip4;
  ip4["method"] = sdbus::Variant(uint32_t{2});
  ip4["address"] = sdbus::Variant(std::string("100.64.1.2"));
  ip4["prefix"] = sdbus::Variant(uint32_t{30});
  ip4["gateway"] = sdbus::Variant(std::string("100.64.1.1"));
  ip4["dns1"] = sdbus::Variant(std::string("100.64.1.1"));
  ip4["dns2"] = sdbus::Variant(std::string("198.51.100.53"));
  ip4["mtu"] = sdbus::Variant(uint32_t{1430});
  PropertyMap ip6;
  ip6["method"] = sdbus::Variant(uint32_t{0});
  PropertyMap settings;
  settings["apn"] = sdbus::Variant(std::string("internet"));
  PropertyMap properties;
  properties["Interface"] = sdbus::Variant(std::string("wwan0"));
  properties["Connected"] = sdbus::Variant(true);
  properties["Ip4Config"] = sdbus::Variant(ip4);
  properties["Ip6Config"] = sdbus::Variant(ip6);
  properties["Properties"] = sdbus::Variant(settings);

  BearerInfo bearer;
  ApplyBearerProperties(properties, bearer);
  EXPECT_TRUE(bearer.connected);
  EXPECT_EQ(bearer.interface, "wwan0");
  EXPECT_EQ(bearer.apn, "internet");
  EXPECT_EQ(bearer.ipv4_method, BearerIpMethod::kStatic);
  ASSERT_TRUE(bearer.ipv4);
  EXPECT_EQ(bearer.ipv4->address.ToString(), "100.64.1.2/30");
  EXPECT_EQ(bearer.ipv4->gateway, Ip("100.64.1.1"));
  EXPECT_EQ(bearer.ipv4->dns, (std::vector<net::IpAddress>{Ip("100.64.1.1"), Ip("198.51.100.53")}));
  EXPECT_EQ(bearer.ipv4->mtu, 1430u);
  EXPECT_EQ(bearer.ipv6_method, BearerIpMethod::kUnknown);
  EXPECT_FALSE(bearer.ipv6);

  // Disconnected by the network: the error comes with it.
  PropertyMap dropped;
  dropped["Connected"] = sdbus::Variant(false);
  dropped["ConnectionError"] = sdbus::Variant(sdbus::Struct<std::string, std::string>(
      std::string("org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkFailureActivation"),
      std::string("network failure")));
  ApplyBearerProperties(dropped, bearer);
  EXPECT_FALSE(bearer.connected);
  EXPECT_EQ(bearer.connection_error_name, "org.freedesktop.ModemManager1.Error.MobileEquipment.NetworkFailureActivation");
}

TEST(ModemManagerPropertiesTest, PppBearerHasNoStaticConfig) {
  PropertyMap ip4;
  ip4["method"] = sdbus::Variant(uint32_t{1});
  PropertyMap properties;
  properties["Ip4Config"] = sdbus::Variant(ip4);
  properties["Interface"] = sdbus::Variant(std::string("/tmp/at1.sock"));
  BearerInfo bearer;
  ApplyBearerProperties(properties, bearer);
  EXPECT_EQ(bearer.ipv4_method, BearerIpMethod::kPpp);
  EXPECT_FALSE(bearer.ipv4);
}

TEST(ModemManagerPropertiesTest, SignalOfTheTechnologyInUse) {
  PropertyMap lte;
  lte["rssi"] = sdbus::Variant(-70.0);
  lte["rsrp"] = sdbus::Variant(-95.0);
  lte["rsrq"] = sdbus::Variant(-9.0);
  lte["snr"] = sdbus::Variant(12.5);
  PropertyMap umts;
  umts["rssi"] = sdbus::Variant(-80.0);
  PropertyMap properties;
  properties["Lte"] = sdbus::Variant(lte);
  properties["Umts"] = sdbus::Variant(umts);
  properties["Gsm"] = sdbus::Variant(PropertyMap{});
  SignalByTechnology signal;
  ApplySignalProperties(properties, signal);
  SignalDetails selected = SelectSignal(signal, AccessTechnology::kLte);
  EXPECT_EQ(selected.rsrp_dbm, -95.0);
  EXPECT_EQ(selected.snr_db, 12.5);
  EXPECT_EQ(SelectSignal(signal, AccessTechnology::kUmts).rssi_dbm, -80.0);
  EXPECT_FALSE(SelectSignal(signal, AccessTechnology::kGsm).rssi_dbm);
}

TEST(ModemManagerPropertiesTest, ConnectDictionary) {
  ConnectSettings settings;
  settings.apn = "corp.example";
  settings.ip_type = BearerIpType::kIpv4v6;
  settings.allowed_auth = {AuthMethod::kPap, AuthMethod::kChap};
  settings.user = "gw17";
  settings.password = "secret";
  settings.allow_roaming = true;
  PropertyMap properties = ConnectProperties(settings);
  EXPECT_EQ(properties.at("apn").get<std::string>(), "corp.example");
  EXPECT_EQ(properties.at("ip-type").get<uint32_t>(), 4u);       // MM_BEARER_IP_FAMILY_IPV4V6
  EXPECT_EQ(properties.at("allowed-auth").get<uint32_t>(), 6u);  // PAP | CHAP
  EXPECT_EQ(properties.at("user").get<std::string>(), "gw17");
  EXPECT_EQ(properties.at("password").get<std::string>(), "secret");
  EXPECT_TRUE(properties.at("allow-roaming").get<bool>());

  PropertyMap minimal = ConnectProperties(ConnectSettings{.apn = "internet"});
  EXPECT_EQ(minimal.count("user"), 0u);
  EXPECT_EQ(minimal.count("password"), 0u);
  EXPECT_EQ(minimal.count("allowed-auth"), 0u);
  EXPECT_FALSE(minimal.at("allow-roaming").get<bool>());
}

}  // namespace
}  // namespace uplinkd::modem::mm
