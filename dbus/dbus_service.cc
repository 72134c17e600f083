#include "dbus/dbus_service.h"

#include <map>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/alert_relay_dbus_object.h"
#include "dbus/bus_credentials_source.h"
#include "dbus/caller_authorizer.h"
#include "dbus/manager_dbus_object.h"
#include "dbus/modem_dbus_object.h"
#include "dbus/modem_properties.h"
#include "dbus/object_paths.h"
#include "dbus/published_object_set.h"
#include "dbus/wan_dbus_object.h"

namespace uplinkd::dbus {

DbusService::DbusService(sdbus::IConnection& connection, std::function<void()> kick)
    : connection_(connection), kick_(std::move(kick)) {}

Result<std::unique_ptr<DbusService>> DbusService::Create(sdbus::IConnection& connection, std::function<void()> kick,
                                                         ManagerActions actions, const std::string& access_group,
                                                         ManagerProperties initial) {
  std::unique_ptr<DbusService> service(new DbusService(connection, std::move(kick)));
  try {
    service->credentials_ = std::make_unique<BusCredentialsSource>(connection, service->kick_);
    service->authorizer_ = std::make_unique<CallerAuthorizer>(*service->credentials_,
                                                              MutationAccessPolicy::FromSystem(access_group));
    service->manager_ =
        std::make_unique<ManagerDbusObject>(connection, *service->authorizer_, std::move(actions), std::move(initial));
    service->modems_ = std::make_unique<PublishedObjectSet<ModemDbusObject>>(
        "Modem", [&connection](const std::string& path, const ModemProperties& properties) {
          return std::make_unique<ModemDbusObject>(connection, path, properties);
        });
    service->wans_ = std::make_unique<PublishedObjectSet<WanDbusObject>>(
        "Wan", [&connection](const std::string& path, const WanProperties& properties) {
          return std::make_unique<WanDbusObject>(connection, path, properties);
        });
    connection.requestName(kBusName);
    service->name_owned_ = true;
  } catch (const sdbus::Error& error) {
    return MakeError(ErrorCode::kUnavailable, std::string("cannot own ") + kBusName + " (is another uplinkd running?): " +
                                                  error.getName() + ": " + error.getMessage());
  }
  const auto& policy = service->authorizer_->policy();
  if (policy.group_gid()) {
    service->log_.Info("owns {}; changes allowed to root and group {} ({})", kBusName, policy.group_name(),
                       *policy.group_gid());
  } else {
    service->log_.Warning("owns {}; group {} does not exist, so only root may change things", kBusName,
                          policy.group_name());
  }
  service->kick_();
  return service;
}

DbusService::~DbusService() {
  // Objects go first (their InterfacesRemoved still goes out), then the name.
  try {
    alert_relay_.reset();
    if (wans_) wans_->Clear();
    if (modems_) modems_->Clear();
    manager_.reset();
    if (name_owned_) connection_.releaseName(kBusName);
  } catch (const sdbus::Error& error) {
    log_.Warning("leaving the bus: {}", error.getMessage());
  }
}

void DbusService::Guarded(const char* what, const std::function<void()>& publish) {
  try {
    publish();
  } catch (const sdbus::Error& error) {
    log_.Warning("cannot publish {}: {} {}", what, error.getName(), error.getMessage());
  }
  kick_();
}

void DbusService::PublishManager(const ManagerProperties& properties) {
  Guarded("the manager", [&] { manager_->Update(properties); });
}

void DbusService::PublishModems(const std::vector<modem::ModemWanState>& modems) {
  Guarded("modems", [&] {
    std::map<std::string, ModemProperties> wanted;
    for (const auto& state : modems) wanted.emplace(state.name, ModemPropertiesFrom(state));
    modems_->Sync(wanted);
  });
}

void DbusService::PublishWans(const std::vector<WanProperties>& wans) {
  Guarded("Wans", [&] {
    std::map<std::string, WanProperties> wanted;
    for (const auto& wan : wans) wanted.emplace(wan.name, wan);
    wans_->Sync(wanted);
  });
}

void DbusService::PublishAlertRelay(const std::optional<AlertRelayProperties>& relay,
                                    std::function<std::string(const std::string&, uint32_t uid)> submit) {
  Guarded("the alert relay", [&] {
    if (!relay) {
      alert_relay_.reset();
    } else if (alert_relay_) {
      alert_relay_->Update(*relay);
    } else {
      alert_relay_ = std::make_unique<AlertRelayDbusObject>(connection_, *authorizer_, std::move(submit), *relay);
    }
  });
}

void DbusService::SetAccessGroup(const std::string& group) {
  // Resolved again even when the name is the same: the group may have been created since.
  bool renamed = group != authorizer_->policy().group_name();
  authorizer_->set_policy(MutationAccessPolicy::FromSystem(group));
  if (renamed) log_.Notice("changes now allowed to root and group {}", group);
}

}  // namespace uplinkd::dbus
