#include "modem/modem_manager_edge.h"

#include <gtest/gtest.h>

namespace uplinkd::modem {
namespace {

TEST(ClassifyModemManagerErrorTest, PinAndSimErrors) {
  const std::string me = "org.freedesktop.ModemManager1.Error.MobileEquipment.";
  EXPECT_EQ(ClassifyModemManagerError(me + "IncorrectPassword"), ModemCallFailure::kIncorrectPin);
  EXPECT_EQ(ClassifyModemManagerError(me + "SimPuk"), ModemCallFailure::kPukRequired);
  EXPECT_EQ(ClassifyModemManagerError(me + "SimNotInserted"), ModemCallFailure::kSimMissing);
  EXPECT_EQ(ClassifyModemManagerError(me + "SimFailure"), ModemCallFailure::kSimFailure);
}

TEST(ClassifyModemManagerErrorTest, NetworkRejections) {
  const std::string me = "org.freedesktop.ModemManager1.Error.MobileEquipment.";
  for (const char* name : {"ServiceOptionNotSubscribed", "MissingOrUnknownApn", "UserAuthenticationFailed",
                           "RequestedApnNotSupported"}) {
    EXPECT_EQ(ClassifyModemManagerError(me + name), ModemCallFailure::kNetworkRejected) << name;
  }
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.ModemManager1.Error.Connection.NoCarrier"),
            ModemCallFailure::kNetworkRejected);
  EXPECT_EQ(ClassifyModemManagerError(me + "NoNetwork"), ModemCallFailure::kNoNetwork);
}

TEST(ClassifyModemManagerErrorTest, BusLevelErrors) {
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.DBus.Error.NoReply"), ModemCallFailure::kTimeout);
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.DBus.Error.UnknownObject"), ModemCallFailure::kGone);
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.DBus.Error.ServiceUnknown"), ModemCallFailure::kGone);
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.ModemManager1.Error.Core.WrongState"),
            ModemCallFailure::kWrongState);
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.ModemManager1.Error.Core.InProgress"),
            ModemCallFailure::kInProgress);
  EXPECT_EQ(ClassifyModemManagerError("org.freedesktop.ModemManager1.Error.Core.Failed"), ModemCallFailure::kOther);
  EXPECT_EQ(ClassifyModemManagerError("com.example.Whatever"), ModemCallFailure::kOther);
}

TEST(ModemInfoTest, FindBearerByPath) {
  ModemInfo info;
  info.bearers.push_back(BearerInfo{.path = "/b/1"});
  info.bearers.push_back(BearerInfo{.path = "/b/2", .connected = true});
  ASSERT_NE(info.FindBearer("/b/2"), nullptr);
  EXPECT_TRUE(info.FindBearer("/b/2")->connected);
  EXPECT_EQ(info.FindBearer("/b/3"), nullptr);
}

}  // namespace
}  // namespace uplinkd::modem
