#include "dbus/manager_properties.h"

namespace uplinkd::dbus {

std::string OverallState(bool ready, bool stopping, uint32_t uplinks_up, uint32_t uplinks_configured) {
  if (stopping) return "stopping";
  if (!ready) return "starting";
  if (uplinks_up == 0) return "offline";
  if (uplinks_up < uplinks_configured) return "degraded";
  return "online";
}

}  // namespace uplinkd::dbus
