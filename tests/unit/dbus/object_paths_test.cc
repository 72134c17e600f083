#include "dbus/object_paths.h"

#include <gtest/gtest.h>

namespace uplinkd::dbus {
namespace {

TEST(ObjectPathsTest, PlainNamesStayReadable) {
  EXPECT_EQ(ObjectPathFor("Modem", "modem1"), "/org/uplinkd1/Modem/modem1");
  EXPECT_EQ(UnescapePathElement("modem1"), "modem1");
}

TEST(ObjectPathsTest, OtherCharactersAreEscapedAndComeBack) {
  EXPECT_EQ(EscapePathElement("lte-1"), "lte_2d1");
  EXPECT_EQ(EscapePathElement("a_b"), "a_5fb");
  EXPECT_EQ(EscapePathElement(""), "_");
  for (std::string name : {"lte-1", "a_b", "", "x.y z", "_", "_2d"}) {
    auto element = EscapePathElement(name);
    EXPECT_EQ(element.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
              std::string::npos)
        << element;
    EXPECT_EQ(UnescapePathElement(element), name);
  }
  // Distinct names never share a path.
  EXPECT_NE(EscapePathElement("a-b"), EscapePathElement("a_b"));
  EXPECT_NE(EscapePathElement("_2d"), EscapePathElement("-"));
}

}  // namespace
}  // namespace uplinkd::dbus
