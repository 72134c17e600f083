#pragma once
// Makes text from outside (a D-Bus argument, a config value, a peer's reply, an interface name)
// safe to put into one log line or one error message: whatever it holds, the result is printable
// and has no line break, so it can neither forge a second log line ("\n<0>daemon: ...") nor
// carry terminal escapes, and it is bounded so one argument cannot flood a line.
#include <cstddef>
#include <string>
#include <string_view>

namespace uplinkd {

// The default bound on one argument echoed into a log line or an error message.
inline constexpr size_t kMaxEchoedBytes = 256;

// \n, \r and \t become those two-character escapes; every other C0 control, DEL, C1 control
// (U+0080..U+009F) and every byte that is not part of valid UTF-8 becomes \xNN. Valid UTF-8
// otherwise passes unchanged (a backslash too: the output is for people, not for unescaping).
std::string EscapeControl(std::string_view text);

// EscapeControl, and the backslash itself as \\ so the result is unambiguous: for what is stored
// and shown back (the audit log's arguments), where "\n" typed and a newline must differ.
std::string EscapeControlCharacters(std::string_view text);

// EscapeControl, then at most `max_bytes` of the input kept (cut on a character boundary) and
// "…" appended when something was cut.
std::string EscapeBounded(std::string_view text, size_t max_bytes = kMaxEchoedBytes);

// The offset of the first byte that is not part of valid UTF-8 (RFC 3629), or npos.
size_t FirstInvalidUtf8(std::string_view text);

}  // namespace uplinkd
