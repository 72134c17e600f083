#include "base/text_escape.h"

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

TEST(TextEscapeTest, PrintableAsciiPassesUnchanged) {
  EXPECT_EQ(EscapeControlCharacters("modem1 wan=cell-2 {\"a\": 1}"), "modem1 wan=cell-2 {\"a\": 1}");
  EXPECT_EQ(EscapeControlCharacters(""), "");
}

TEST(TextEscapeTest, ControlCharactersCannotForgeALine) {
  EXPECT_EQ(EscapeControlCharacters("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeControlCharacters(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(EscapeControlCharacters("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeControlCharacters("del\x7f"), "del\\x7f");
}

TEST(TextEscapeTest, BackslashIsEscapedSoTheResultIsUnambiguous) {
  EXPECT_EQ(EscapeControlCharacters("a\\nb"), "a\\\\nb");
  EXPECT_NE(EscapeControlCharacters("a\\nb"), EscapeControlCharacters("a\nb"));
}

TEST(TextEscapeTest, ValidUtf8PassesButC1ControlsAndInvalidBytesAreEscaped) {
  EXPECT_EQ(EscapeControlCharacters("Grüße €"), "Grüße €");
  EXPECT_EQ(EscapeControlCharacters("\xf0\x9f\x93\xb6"), "\xf0\x9f\x93\xb6");  // U+1F4F6
  EXPECT_EQ(EscapeControlCharacters("\xc2\x9b" "2J"), "\\xc2\\x9b2J");         // 8-bit CSI
  EXPECT_EQ(EscapeControlCharacters("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeControlCharacters("\xc3"), "\\xc3");                     // truncated
  EXPECT_EQ(EscapeControlCharacters("\xc0\xaf"), "\\xc0\\xaf");            // overlong '/'
  EXPECT_EQ(EscapeControlCharacters("\xed\xa0\x80"), "\\xed\\xa0\\x80");   // a surrogate
  EXPECT_EQ(EscapeControlCharacters("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
}

TEST(TextEscapeTest, EveryByteValueComesOutPrintableOrValidUtf8) {
  for (int value = 0; value < 256; ++value) {
    std::string escaped = EscapeControlCharacters(std::string(1, static_cast<char>(value)));
    for (unsigned char c : escaped) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << value << " -> " << escaped;
    }
  }
}

}  // namespace
}  // namespace uplinkd
