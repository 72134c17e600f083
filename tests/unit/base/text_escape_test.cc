#include "base/text_escape.h"

#include <string>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

TEST(TextEscapeTest, PrintableUtf8PassesUnchanged) {
  EXPECT_EQ(EscapeControl("modem 1: wwan0 up, 10.0.0.2/30 \"quoted\" \\ back"),
            "modem 1: wwan0 up, 10.0.0.2/30 \"quoted\" \\ back");
  EXPECT_EQ(EscapeControl("Zürich – 東京 🛰"), "Zürich – 東京 🛰");
  EXPECT_EQ(EscapeControl(""), "");
}

TEST(TextEscapeTest, LineBreaksAndControlsBecomeEscapes) {
  EXPECT_EQ(EscapeControl("debug\n<0>daemon: forged"), "debug\\n<0>daemon: forged");
  EXPECT_EQ(EscapeControl("a\rb\tc"), "a\\rb\\tc");
  EXPECT_EQ(EscapeControl(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(EscapeControl("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  // C1 controls as UTF-8 (U+0085 NEL, U+009B CSI) are controls too.
  EXPECT_EQ(EscapeControl("a\xc2\x85" "b\xc2\x9b" "c"), "a\\x85b\\x9bc");
  // U+00A0 is the first code point after C1: printable.
  EXPECT_EQ(EscapeControl("\xc2\xa0"), "\xc2\xa0");
}

TEST(TextEscapeTest, InvalidUtf8BecomesHexBytes) {
  EXPECT_EQ(EscapeControl("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeControl("ab\xc3"), "ab\\xc3");                // truncated sequence
  EXPECT_EQ(EscapeControl("\xc0\xaf"), "\\xc0\\xaf");          // overlong '/'
  EXPECT_EQ(EscapeControl("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(EscapeControl("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(EscapeControl("\x80"), "\\x80");                    // a lone continuation byte
}

TEST(TextEscapeTest, EscapedTextHasNoControlAndIsStable) {
  // Every byte value, alone and in pairs: the output is printable ASCII or valid multi-byte
  // UTF-8, and escaping it again changes nothing (the logger escapes arguments and then lines).
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; b += 17) {
      std::string text{static_cast<char>(a), static_cast<char>(b)};
      std::string escaped = EscapeControl(text);
      for (char c : escaped) {
        auto u = static_cast<unsigned char>(c);
        ASSERT_TRUE(u >= 0x20 && u != 0x7f) << a << " " << b;
      }
      ASSERT_EQ(EscapeControl(escaped), escaped) << a << " " << b;
    }
  }
}

TEST(TextEscapeTest, BoundedCutsOnACharacterBoundaryAndSaysSo) {
  EXPECT_EQ(EscapeBounded("short"), "short");
  EXPECT_EQ(EscapeBounded(std::string(256, 'x')), std::string(256, 'x'));
  EXPECT_EQ(EscapeBounded(std::string(100000, 'x')), std::string(256, 'x') + "…");
  EXPECT_EQ(EscapeBounded("abcdef", 3), "abc…");
  // "é" is two bytes: a cut after 2 bytes of "aé" would split it.
  EXPECT_EQ(EscapeBounded("aéb", 2), "a…");
  // The bound is on the input; escapes may make the output longer, never unbounded.
  std::string newlines(10000, '\n');
  std::string escaped = EscapeBounded(newlines, 10);
  EXPECT_EQ(escaped, std::string(20, ' ').replace(0, 20, "\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n") + "…");
}

}  // namespace
}  // namespace uplinkd
