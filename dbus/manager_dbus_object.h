#pragma once
// /org/uplinkd1: org.uplinkd1.Manager and the ObjectManager of every uplinkd object.
#include <map>
#include <vector>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/command_call.h"
#include "dbus/manager_properties.h"
#include "dbus/property_mirror.h"
#include "manager_adaptor.h"

namespace uplinkd::dbus {

class ManagerDbusObject final
    : public sdbus::AdaptorInterfaces<org::uplinkd1::Manager_adaptor, sdbus::ObjectManager_adaptor> {
 public:
  using Properties = ManagerProperties;

  // Every method runs through `commands` (the command layer).
  ManagerDbusObject(sdbus::IConnection& connection, CommandCaller commands, ManagerProperties initial);
  ~ManagerDbusObject();

  void Update(const ManagerProperties& next);

 private:
  // Methods (manager_dbus_object.cc, "Methods"): decode, then the command layer.
  void Reload(sdbus::Result<uint64_t>&& result) override;
  void SetLogLevel(sdbus::Result<>&& result, std::string level) override;
  void PinClass(sdbus::Result<>&& result, std::string traffic_class, std::string wan, uint32_t seconds) override;
  void UnpinClass(sdbus::Result<>&& result, std::string traffic_class) override;
  void ReadAudit(sdbus::Result<std::vector<sdbus::Struct<uint64_t, uint64_t, std::string, std::string, std::string,
                                                         std::string, bool, std::string, std::string>>>&& result,
                 uint32_t limit) override;

  std::string Version() override { return mirror_.current().version; }
  std::string State() override { return mirror_.current().state; }
  std::map<std::string, std::string> Paths() override { return mirror_.current().paths; }
  uint32_t UplinksUp() override { return mirror_.current().uplinks_up; }
  uint32_t UplinksConfigured() override { return mirror_.current().uplinks_configured; }
  std::string ConfigPath() override { return mirror_.current().config_path; }
  uint64_t ConfigGeneration() override { return mirror_.current().config_generation; }
  std::string LastReload() override { return mirror_.current().last_reload; }
  std::string LogLevel() override { return mirror_.current().log_level; }
  uint64_t StartTime() override { return mirror_.current().start_time; }

  CommandCaller commands_;
  PropertyMirror<ManagerProperties> mirror_;
};

}  // namespace uplinkd::dbus
