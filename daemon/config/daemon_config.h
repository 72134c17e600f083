#pragma once
// The daemon's configuration after parsing and verification. Every field has a default that is
// right for a gateway, so an empty file is a valid configuration.
#include <string>
#include <vector>

#include "daemon/core/logger.h"
#include "modem/modem_profile.h"

namespace uplinkd::config {

struct DaemonConfig {
  // [daemon]
  LogLevel log_level = LogLevel::kInfo;
  std::string state_dir = "/var/lib/uplinkd";  // durable state (the alert outbox, later)
  std::string runtime_dir = "/run/uplinkd";    // status.json and sockets; gone on reboot
  // [dbus]
  std::string bus = "system";  // "system", or a D-Bus address such as unix:path=/run/lab/bus.sock
  std::string modem_manager_service = "org.freedesktop.ModemManager1";
  // [[modem]]: each configured modem, bound to hardware by a stable identity.
  std::vector<modem::ModemProfile> modems;
};

}  // namespace uplinkd::config
