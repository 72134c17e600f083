#include "base/text_escape.h"

#include <cstdint>

namespace uplinkd {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendHex(std::string& out, uint8_t byte) {
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0xf];
}

// Length of the valid UTF-8 sequence starting at text[i] (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF), or 0 when the byte there does not start one.
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(text[i + k]); };
  auto continuation = [&](size_t k) { return i + k < text.size() && (byte(k) & 0xc0) == 0x80; };
  uint8_t lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xe0 && byte(1) < 0xa0) return 0;  // overlong
    if (lead == 0xed && byte(1) > 0x9f) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xf0 && byte(1) < 0x90) return 0;  // overlong
    if (lead == 0xf4 && byte(1) > 0x8f) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// Escapes text[0, limit) of `text` (limit on a character boundary).
std::string Escape(std::string_view text, size_t limit, bool escape_backslash = false) {
  std::string out;
  out.reserve(limit);
  size_t i = 0;
  while (i < limit) {
    uint8_t c = static_cast<uint8_t>(text[i]);
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      AppendHex(out, c);
      ++i;
    } else if (length == 1) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20 || c == 0x7f) {
        AppendHex(out, c);
      } else if (c == '\\' && escape_backslash) {
        out += "\\\\";
      } else {
        out += static_cast<char>(c);
      }
      ++i;
    } else {
      // U+0080..U+009F (C1 controls, e.g. U+009B is a terminal's CSI) are C2 80..C2 9F.
      uint8_t next = static_cast<uint8_t>(text[i + 1]);
      if (c == 0xc2 && next < 0xa0) {
        AppendHex(out, c);
        AppendHex(out, next);
      } else {
        out.append(text.substr(i, length));
      }
      i += length;
    }
  }
  return out;
}

}  // namespace

size_t FirstInvalidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) return i;
    i += length;
  }
  return std::string_view::npos;
}

std::string EscapeControl(std::string_view text) { return Escape(text, text.size()); }

std::string EscapeControlCharacters(std::string_view text) { return Escape(text, text.size(), true); }

std::string EscapeBounded(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return Escape(text, text.size());
  // Back up to a character boundary so the cut never splits a valid UTF-8 sequence.
  size_t limit = 0;
  while (limit < max_bytes) {
    size_t length = Utf8SequenceLength(text, limit);
    if (length == 0) length = 1;
    if (limit + length > max_bytes) break;
    limit += length;
  }
  return Escape(text, limit) + "…";
}

}  // namespace uplinkd
