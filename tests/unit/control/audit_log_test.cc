#include "control/audit_log.h"

#include <gtest/gtest.h>

#include "tests/unit/control/temp_dir.h"

namespace uplinkd::control {
namespace {

AuditRecord Row(int i) {
  return {0, 1000 + i, "uid:" + std::to_string(i), "dbus", "modem-resume", "modem=m" + std::to_string(i), i % 2 == 0,
          "ok", ""};
}

TEST(AuditLogTest, RowsSurviveAReopen) {
  TempDir dir;
  {
    auto log = AuditLog::Open(dir.File("audit.sqlite"), 100);
    ASSERT_TRUE(log) << log.error().message;
    EXPECT_EQ((*log)->Append(Row(1)).value_or(-1), 1);
    EXPECT_EQ((*log)->Append(Row(2)).value_or(-1), 2);
  }
  auto log = AuditLog::Open(dir.File("audit.sqlite"), 100);
  ASSERT_TRUE(log);
  auto rows = (*log)->Newest(10);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 2u);
  auto expected = Row(1);
  expected.seq = 1;
  EXPECT_EQ((*rows)[0], expected);
  EXPECT_EQ((*rows)[1].arguments, "modem=m2");
  EXPECT_EQ((*log)->Append(Row(3)).value_or(-1), 3);  // seq continues, never reused
}

TEST(AuditLogTest, KeepsTheNewestMaxRows) {
  TempDir dir;
  auto log = AuditLog::Open(dir.File("audit.sqlite"), 5);
  ASSERT_TRUE(log);
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE((*log)->Append(Row(i)));
  auto rows = (*log)->Newest(100);
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 5u);
  EXPECT_EQ(rows->front().seq, 8);
  EXPECT_EQ(rows->back().seq, 12);
  auto two = (*log)->Newest(2);
  ASSERT_TRUE(two && two->size() == 2);
  EXPECT_EQ((*two)[0].seq, 11);  // the newest two, oldest first
}

TEST(AuditLogTest, ASecondOpenOfTheSameFileIsRefused) {
  TempDir dir;
  auto first = AuditLog::Open(dir.File("audit.sqlite"), 5);
  ASSERT_TRUE(first);
  ASSERT_TRUE((*first)->Append(Row(1)));  // takes the exclusive lock
  auto second = AuditLog::Open(dir.File("audit.sqlite"), 5);
  if (second) {
    EXPECT_FALSE((*second)->Append(Row(2)));
  } else {
    EXPECT_EQ(second.error().code, ErrorCode::kUnavailable);
  }
}

TEST(AuditLogTest, AnUnopenablePathIsAnError) {
  auto log = AuditLog::Open("/nonexistent-dir-uplinkd/audit.sqlite", 5);
  EXPECT_FALSE(log);
}

}  // namespace
}  // namespace uplinkd::control
