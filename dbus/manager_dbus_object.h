#pragma once
// /org/uplinkd1: org.uplinkd1.Manager and the ObjectManager of every uplinkd object.
#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/caller_authorizer.h"
#include "dbus/manager_actions.h"
#include "dbus/manager_properties.h"
#include "dbus/property_mirror.h"
#include "manager_adaptor.h"

namespace uplinkd::dbus {

class ManagerDbusObject final
    : public sdbus::AdaptorInterfaces<org::uplinkd1::Manager_adaptor, sdbus::ObjectManager_adaptor> {
 public:
  using Properties = ManagerProperties;

  ManagerDbusObject(sdbus::IConnection& connection, CallerAuthorizer& authorizer, ManagerActions actions,
                    ManagerProperties initial);
  ~ManagerDbusObject();

  void Update(const ManagerProperties& next);

 private:
  void Reload(sdbus::Result<uint64_t>&& result) override;
  void SetLogLevel(sdbus::Result<>&& result, std::string level) override;

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

  std::string Sender() const;

  CallerAuthorizer& authorizer_;
  ManagerActions actions_;
  PropertyMirror<ManagerProperties> mirror_;
};

}  // namespace uplinkd::dbus
