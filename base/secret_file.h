#pragma once
// Reads a secret (SIM PIN, APN password, WireGuard key) from a file at the moment it is needed, and refuses a
// file that others could read or replace: it must be a regular file, not a symlink, with no
// group or other permission bits (0600 or 0400), owned by root or by the daemon's own user.
// The secret's value is never logged; errors name the file only.
#include <string>

#include "base/result.h"

namespace uplinkd {

// The file's content without trailing whitespace (the newline an editor adds). An empty secret
// is an error: sending an empty PIN would burn an attempt for nothing.
Result<std::string> ReadSecretFile(const std::string& path);

}  // namespace uplinkd
