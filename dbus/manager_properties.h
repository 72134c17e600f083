#pragma once
// The properties of org.uplinkd1.Manager as a plain value (see org.uplinkd1.Manager.xml).
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include "dbus/property_fields.h"

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

}  // namespace uplinkd::dbus
