#include "dbus/uplinkctl/variant_json.h"

#include <cmath>

#include <gtest/gtest.h>

namespace uplinkd::ctl {
namespace {

TEST(VariantJsonTest, EveryTypeTheApiUses) {
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::string("online"))), "online");
  EXPECT_EQ(VariantToJson(sdbus::Variant(true)), true);
  EXPECT_EQ(VariantToJson(sdbus::Variant(uint32_t{80})), 80);
  EXPECT_EQ(VariantToJson(sdbus::Variant(int32_t{-1})), -1);
  EXPECT_EQ(VariantToJson(sdbus::Variant(uint64_t{1} << 40)), uint64_t{1} << 40);
  EXPECT_EQ(VariantToJson(sdbus::Variant(-90.5)), -90.5);
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::nan(""))), nullptr);
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::vector<std::string>{"192.0.2.53"})), nlohmann::json({"192.0.2.53"}));
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::map<std::string, double>{{"rsrp_dbm", -90.0}})),
            nlohmann::json({{"rsrp_dbm", -90.0}}));
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::map<std::string, uint64_t>{{"resets", 2}})),
            nlohmann::json({{"resets", 2}}));
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::map<std::string, std::string>{{"alert", "modem2"}})),
            nlohmann::json({{"alert", "modem2"}}));
}

TEST(VariantJsonTest, AnUnknownTypeIsNamedNotHidden) {
  EXPECT_EQ(VariantToJson(sdbus::Variant(std::vector<double>{1.0})), "<ad>");
}

}  // namespace
}  // namespace uplinkd::ctl
