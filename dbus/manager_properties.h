#pragma once
// The properties of org.uplinkd1.Manager as a plain value (see org.uplinkd1.Manager.xml).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "dbus/property_fields.h"
#include "state/state_snapshot.h"

namespace uplinkd::dbus {

struct ManagerProperties {
  std::string version;
  std::string state = "starting";
  std::map<std::string, std::string> paths;  // traffic class -> uplink name
  uint32_t uplinks_up = 0;
  uint32_t uplinks_configured = 0;
  std::string config_path;
  uint64_t config_generation = 0;
  std::string last_reload = "none";
  std::string log_level;
  uint64_t start_time = 0;  // seconds since the Unix epoch

  static constexpr auto kFields = std::make_tuple(
      Property("Version", &ManagerProperties::version), Property("State", &ManagerProperties::state),
      Property("Paths", &ManagerProperties::paths), Property("UplinksUp", &ManagerProperties::uplinks_up),
      Property("UplinksConfigured", &ManagerProperties::uplinks_configured),
      Property("ConfigPath", &ManagerProperties::config_path),
      Property("ConfigGeneration", &ManagerProperties::config_generation),
      Property("LastReload", &ManagerProperties::last_reload), Property("LogLevel", &ManagerProperties::log_level),
      Property("StartTime", &ManagerProperties::start_time));

  friend bool operator==(const ManagerProperties&, const ManagerProperties&) = default;
};

// The overall State from the daemon's lifecycle and its uplinks: "starting" until ready,
// "stopping" once asked to stop, else online (all configured uplinks usable), degraded (some) or
// offline (none, or none configured).
std::string OverallState(bool ready, bool stopping, uint32_t uplinks_up, uint32_t uplinks_configured);

// Rendered from the state store's snapshot: with a policy the uplinks are its Wans (up: usable)
// and each traffic class has a path (its first Wan, "" while it has none); without one, the modems.
ManagerProperties ManagerPropertiesFrom(const state::Snapshot& snapshot);

}  // namespace uplinkd::dbus
