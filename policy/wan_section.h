#pragma once
// [[wan]] sections and the [policy] table (docs/configuration.md, "Wans and path policy").
#include <vector>

#include "base/toml_section.h"
#include "modem/modem_profile.h"
#include "policy/policy_config.h"

namespace uplinkd::config {

// Reads every [[wan]] and [policy] from the top-level table into `out`. Cross-references are
// verified here: a Wan naming an unknown [[modem]], a pinned or unknown Wan, duplicate names,
// tables or marks are located issues. `modems` are the [[modem]] sections already read.
void ReadWanSections(TomlSection& top, const std::vector<modem::ModemProfile>& modems,
                     policy::PolicyConfig& out);

}  // namespace uplinkd::config
