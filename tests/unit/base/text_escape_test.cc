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
  EXPECT_EQ(EscapeControl("a\xc2\x85" "b\xc2\x9b" "c"), "a\\xc2\\x85b\\xc2\\x9bc");
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

// EscapeControlCharacters (the audit log): the same, and the backslash escaped too.

TEST(EscapeControlCharactersTest, PrintableAsciiPassesUnchanged) {
  EXPECT_EQ(EscapeControlCharacters("modem1 wan=cell-2 {\"a\": 1}"), "modem1 wan=cell-2 {\"a\": 1}");
  EXPECT_EQ(EscapeControlCharacters(""), "");
}

TEST(EscapeControlCharactersTest, ControlCharactersCannotForgeALine) {
  EXPECT_EQ(EscapeControlCharacters("a\nb\rc\td"), "a\\nb\\rc\\td");
  EXPECT_EQ(EscapeControlCharacters(std::string("x\0y", 3)), "x\\x00y");
  EXPECT_EQ(EscapeControlCharacters("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(EscapeControlCharacters("del\x7f"), "del\\x7f");
}

TEST(EscapeControlCharactersTest, BackslashIsEscapedSoTheResultIsUnambiguous) {
  EXPECT_EQ(EscapeControlCharacters("a\\nb"), "a\\\\nb");
  EXPECT_NE(EscapeControlCharacters("a\\nb"), EscapeControlCharacters("a\nb"));
}

TEST(EscapeControlCharactersTest, ValidUtf8PassesButC1ControlsAndInvalidBytesAreEscaped) {
  EXPECT_EQ(EscapeControlCharacters("Grüße €"), "Grüße €");
  EXPECT_EQ(EscapeControlCharacters("\xf0\x9f\x93\xb6"), "\xf0\x9f\x93\xb6");  // U+1F4F6
  EXPECT_EQ(EscapeControlCharacters("\xc2\x9b" "2J"), "\\xc2\\x9b2J");         // 8-bit CSI
  EXPECT_EQ(EscapeControlCharacters("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeControlCharacters("\xc3"), "\\xc3");                     // truncated
  EXPECT_EQ(EscapeControlCharacters("\xc0\xaf"), "\\xc0\\xaf");            // overlong '/'
  EXPECT_EQ(EscapeControlCharacters("\xed\xa0\x80"), "\\xed\\xa0\\x80");   // a surrogate
  EXPECT_EQ(EscapeControlCharacters("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
}

TEST(EscapeControlCharactersTest, EveryByteValueComesOutPrintableOrValidUtf8) {
  for (int value = 0; value < 256; ++value) {
    std::string escaped = EscapeControlCharacters(std::string(1, static_cast<char>(value)));
    for (unsigned char c : escaped) {
      EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << value << " -> " << escaped;
    }
  }
}

}  // namespace
}  // namespace uplinkd
