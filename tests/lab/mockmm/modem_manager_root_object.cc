#include "tests/lab/mockmm/modem_manager_root_object.h"

#include "base/logger.h"
#include "tests/lab/mockmm/dbus_conversions.h"
#include "tests/lab/mockmm/dbus_paths.h"
#include "tests/lab/mockmm/mock_modem_manager_service.h"

namespace uplinkd::lab {

ModemManagerRootObject::ModemManagerRootObject(sdbus::IConnection& connection, MockModemManagerService& service)
    : AdaptorInterfaces(connection, kModemManagerPath), service_(service) {
  registerAdaptor();
}

ModemManagerRootObject::~ModemManagerRootObject() { unregisterAdaptor(); }

// Modems come from the lab's config, not from udev: there is nothing to scan for.
void ModemManagerRootObject::ScanDevices() {}

void ModemManagerRootObject::SetLogging(const std::string& level) {
  static const std::map<std::string, LogLevel> kLevels = {{"ERR", LogLevel::kError},   {"WARN", LogLevel::kWarning},
                                                          {"MSG", LogLevel::kNotice},  {"INFO", LogLevel::kInfo},
                                                          {"DEBUG", LogLevel::kDebug}, {"TRACE", LogLevel::kDebug}};
  auto it = kLevels.find(level);
  if (it == kLevels.end()) ThrowDbusError({mm_error::kCoreInvalidArgs, "Unknown logging level: '" + level + "'"});
  Logger::SetMaxLevel(it->second);
}

void ModemManagerRootObject::ReportKernelEvent(const std::map<std::string, sdbus::Variant>&) {
  ThrowDbusError({mm_error::kCoreUnsupported, "Cannot report kernel event: udev monitoring enabled"});
}

// Inhibiting a device takes its modem off the bus until it is uninhibited, as in ModemManager.
void ModemManagerRootObject::InhibitDevice(const std::string& uid, const bool& inhibit) {
  MockModem* modem = service_.FindModemByDevice(uid);
  if (!modem) ThrowDbusError({mm_error::kCoreNotFound, "No device found with uid '" + uid + "'"});
  if (inhibit) {
    if (!inhibited_.insert(uid).second) ThrowDbusError({mm_error::kCoreInProgress, "Device already inhibited"});
    modem->Unplug();
  } else {
    if (!inhibited_.erase(uid)) ThrowDbusError({mm_error::kCoreWrongState, "Device not inhibited"});
    modem->Plug();
  }
  service_.FlushPropertyChanges();
}

std::string ModemManagerRootObject::Version() { return kVersion; }

}  // namespace uplinkd::lab
