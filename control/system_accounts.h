#pragma once
// The system's user database (NSS) for the command layer: names to ids when the permission table
// is built, and a user's groups when a transport cannot report a caller's own groups. Lookups may
// block briefly (NSS); they run at start, on reload, and per command from a local user whose bus
// did not report its groups.
#include <cstdint>
#include <vector>

#include "control/permission_table.h"

namespace uplinkd::control {

AccountResolver SystemAccountResolver();
// The primary and supplementary groups of `uid` by the user database; empty for an unknown uid.
std::vector<uint32_t> SystemGroupsOfUser(uint32_t uid);

}  // namespace uplinkd::control
