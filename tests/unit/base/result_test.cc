#include "base/result.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

Result<int> Half(int value) {
  if (value % 2 != 0) return MakeError(ErrorCode::kInvalidArgument, "odd value");
  return value / 2;
}

TEST(ResultTest, CarriesValueOrError) {
  ASSERT_TRUE(Half(4).has_value());
  EXPECT_EQ(*Half(4), 2);
  auto odd = Half(3);
  ASSERT_FALSE(odd.has_value());
  EXPECT_EQ(odd.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(odd.error().message, "odd value");
}

TEST(ResultTest, DescribeAddsErrnoText) {
  Error error{ErrorCode::kSystem, "open /x", ENOENT};
  EXPECT_EQ(Describe(error), "open /x (No such file or directory)");
  EXPECT_STREQ(ErrorCodeName(ErrorCode::kRejected), "rejected");
}

}  // namespace
}  // namespace uplinkd
