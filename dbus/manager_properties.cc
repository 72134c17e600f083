#include "dbus/manager_properties.h"

namespace uplinkd::dbus {

std::string OverallState(bool ready, bool stopping, uint32_t uplinks_up, uint32_t uplinks_configured) {
  if (stopping) return "stopping";
  if (!ready) return "starting";
  if (uplinks_up == 0) return "offline";
  if (uplinks_up < uplinks_configured) return "degraded";
  return "online";
}

ManagerProperties ManagerPropertiesFrom(const state::Snapshot& snapshot) {
  const state::DaemonState& daemon = snapshot.daemon;
  ManagerProperties properties;
  properties.version = daemon.version;
  if (daemon.policy_running) {
    properties.uplinks_configured = static_cast<uint32_t>(snapshot.wans.size());
    for (const auto& wan : snapshot.wans) properties.uplinks_up += wan.usable ? 1 : 0;
    if (snapshot.paths) {
      for (const auto& path : snapshot.paths->classes) {
        properties.paths[policy::TrafficClassName(path.traffic_class)] = path.wans.empty() ? "" : path.wans.front().wan;
      }
    }
  } else {
    properties.uplinks_configured = daemon.modems_configured;
    for (const auto& modem : snapshot.modems) properties.uplinks_up += modem.wan_up ? 1 : 0;
  }
  properties.state = OverallState(daemon.ready, daemon.stopping, properties.uplinks_up, properties.uplinks_configured);
  properties.config_path = daemon.config_path;
  properties.config_generation = daemon.config_generation;
  properties.last_reload = daemon.last_reload;
  properties.log_level = daemon.log_level;
  properties.start_time = daemon.start_time_unix;
  return properties;
}

}  // namespace uplinkd::dbus
