#pragma once
// Reads a Wan's [wan.health] table (targets, cadence, hysteresis, degraded thresholds, probe byte
// cap) into HealthSettings; see docs/health.md for the keys. Strict: unknown keys, bad values and
// settings whose steady probing would exceed the byte cap are located issues.
#include "base/toml_section.h"
#include "policy/health/probe_settings.h"

namespace uplinkd::config {

void ReadHealthSection(TomlSection& section, policy::HealthSettings& settings);

}  // namespace uplinkd::config
