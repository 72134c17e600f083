#pragma once
// Text from outside (a bus caller's arguments, later an SMS or a remote command) made safe to log
// and audit: control characters cannot forge a log line or a terminal escape, and invalid UTF-8
// cannot break a D-Bus string that carries it back out.
#include <string>
#include <string_view>

namespace uplinkd {

// Escapes C0 controls, DEL and C1 controls (\n \r \t, else \xHH per byte), the backslash itself
// (\\, so the escaping is unambiguous) and every byte that is not part of valid UTF-8 (\xHH).
// Printable ASCII and valid UTF-8 above U+009F pass unchanged.
std::string EscapeControlCharacters(std::string_view text);

}  // namespace uplinkd
