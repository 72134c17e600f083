// The relay's submission reply as the answer of AlertRelay.Submit. (The AlertRelay and Wan
// property values are rendered from the typed state: tests/unit/state/dbus_properties_test.cc.)
#include <gtest/gtest.h>

#include "dbus/alert_relay_properties.h"

namespace uplinkd::dbus {
namespace {

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
