#include "tests/lab/mockmm/mock_config.h"

#include <gtest/gtest.h>

namespace uplinkd::lab {
namespace {

// The example of the contract, comments included.
constexpr const char* kExample = R"({
  "modems": [
    {
      "id": "modem1",                              // the lab's handle
      "equipment_identifier": "860000000000011",
      "device": "/sys/devices/lab/usb1/1-1",
      "manufacturer": "uplinkd-lab", "model": "EMU-LTE", "revision": "1.0",
      "sim": {"iccid": "8901000000000000011", "imsi": "001010000000011",
              "operator_name": "Lab Carrier One", "pin": "1234", "puk": "12345678"},
      "operator": {"code": "00101", "name": "Lab Carrier One"},
      "access_technology": "lte",
      "signal_quality": 80,
      "allowed_apns": ["internet"],
      "bearer": {
        "interface": "wwan0",
        "ipv4": {"address": "100.64.1.2", "prefix": 30, "gateway": "100.64.1.1",
                 "dns": ["100.64.1.1"], "mtu": 1500},
        "ipv6": {"address": "2001:db8:1::2", "prefix": 64, "gateway": "2001:db8:1::1",
                 "dns": [], "mtu": 1500}
      }
    }
  ]
})";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(MockConfigTest, ParsesTheContractExample) {
  auto config = ParseMockConfig(kExample);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  ASSERT_EQ(config->modems.size(), 1u);
  const MockModemConfig& modem = config->modems[0];
  EXPECT_EQ(modem.id, "modem1");
  EXPECT_EQ(modem.sim.pin, "1234");
  EXPECT_EQ(modem.operator_code, "00101");
  EXPECT_EQ(modem.access_technology, AccessTechnology::kLte);
  EXPECT_EQ(modem.signal_quality, 80u);
  EXPECT_EQ(modem.bearer_interface, "wwan0");
  EXPECT_EQ(modem.ipv4.prefix, 30u);
  EXPECT_EQ(modem.ipv4.dns, std::vector<std::string>{"100.64.1.1"});
  ASSERT_TRUE(modem.ipv6.has_value());
  EXPECT_EQ(modem.ipv6->gateway, "2001:db8:1::1");
}

TEST(MockConfigTest, OptionalPartsMayBeLeftOut) {
  std::string text = Replace(kExample, R"(, "pin": "1234", "puk": "12345678")", "");
  text = Replace(text, R"(,
        "ipv6": {"address": "2001:db8:1::2", "prefix": 64, "gateway": "2001:db8:1::1",
                 "dns": [], "mtu": 1500})",
                 "");
  auto config = ParseMockConfig(text);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_FALSE(config->modems[0].sim.pin.has_value());
  EXPECT_FALSE(config->modems[0].ipv6.has_value());
}

TEST(MockConfigTest, RejectsUnknownKeysWithTheirPath) {
  auto config = ParseMockConfig(Replace(kExample, R"("imsi":)", R"("imzi":)"));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "modems[0].sim.imsi: missing");
  config = ParseMockConfig(Replace(kExample, R"("mtu": 1500},
        "ipv6")",
                                   R"("mtu": 1500, "metric": 5},
        "ipv6")"));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "modems[0].bearer.ipv4.metric: unknown key");
}

TEST(MockConfigTest, RejectsBadValues) {
  auto bad_address = ParseMockConfig(Replace(kExample, "100.64.1.2", "100.64.1"));
  ASSERT_FALSE(bad_address.has_value());
  EXPECT_EQ(bad_address.error().message, "modems[0].bearer.ipv4.address: expected an IPv4 address");
  auto bad_technology = ParseMockConfig(Replace(kExample, R"("lte")", R"("wimax")"));
  ASSERT_FALSE(bad_technology.has_value());
  EXPECT_EQ(bad_technology.error().message, "modems[0].access_technology: expected lte, umts, gsm or 5gnr");
  auto bad_quality = ParseMockConfig(Replace(kExample, "80", "180"));
  ASSERT_FALSE(bad_quality.has_value());
  EXPECT_EQ(bad_quality.error().message, "modems[0].signal_quality: expected an integer from 0 to 100");
  EXPECT_FALSE(ParseMockConfig("{").has_value());
}

TEST(MockConfigTest, RejectsDuplicateIds) {
  std::string text = kExample;
  auto start = text.find("    {");
  auto end = text.rfind("    }") + 5;
  std::string modem = text.substr(start, end - start);
  text.insert(end, ",\n" + modem);
  auto config = ParseMockConfig(text);
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().message, "modems[1].id: duplicate id");
}

TEST(MockConfigTest, AnIpv4BearerMayAskForDhcp) {
  std::string text = Replace(kExample, R"("ipv4": {"address": "100.64.1.2", "prefix": 30, "gateway": "100.64.1.1",
                 "dns": ["100.64.1.1"], "mtu": 1500})", R"("ipv4": {"method": "dhcp"})");
  auto config = ParseMockConfig(text);
  ASSERT_TRUE(config.has_value()) << config.error().message;
  EXPECT_TRUE(config->modems[0].ipv4.dhcp);
  EXPECT_FALSE(config->modems[0].ipv6->dhcp);

  auto with_address = ParseMockConfig(Replace(text, R"({"method": "dhcp"})", R"({"method": "dhcp", "address": "1.2.3.4"})"));
  ASSERT_FALSE(with_address.has_value());
  EXPECT_NE(with_address.error().message.find("modems[0].bearer.ipv4.address: unknown key"), std::string::npos)
      << with_address.error().message;
  auto unknown = ParseMockConfig(Replace(text, R"({"method": "dhcp"})", R"({"method": "ppp"})"));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("method: expected static or dhcp"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd::lab
