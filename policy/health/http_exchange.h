#pragma once
// The bytes of an HTTP health probe: the GET it sends and the status line that counts as an
// answer. Any status code counts: the probe asks whether the path carries traffic to the
// server, not whether the server's application is well.
#include <optional>
#include <string>
#include <string_view>

#include "policy/health/probe_settings.h"

namespace uplinkd::policy {

// "GET /path HTTP/1.1" with Host (the target's http_host, else its address), a User-Agent and
// Connection: close.
std::string BuildHttpGetRequest(const ProbeTarget& target);

// The status code once `received` holds a whole status line ("HTTP/1.1 204 No Content\r\n");
// nullopt while it is incomplete. A complete line that is not an HTTP status line yields -1.
std::optional<int> ParseHttpStatusLine(std::string_view received);

}  // namespace uplinkd::policy
