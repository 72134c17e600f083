#include "dbus/dbus_service.h"

#include <map>

#include <sdbus-c++/sdbus-c++.h>

#include "dbus/alert_relay_dbus_object.h"
#include "dbus/bus_credentials_source.h"
#include "control/system_accounts.h"
#include "dbus/bus_principal_source.h"
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
                                                         control::CommandExecutor& executor,
                                                         ManagerProperties initial) {
  std::unique_ptr<DbusService> service(new DbusService(connection, std::move(kick)));
  try {
    service->credentials_ = std::make_unique<BusCredentialsSource>(connection, service->kick_);
    service->principals_ = std::make_unique<BusPrincipalSource>(*service->credentials_, control::SystemGroupsOfUser);
    // The reply may go out after the bus answered the credentials lookup, outside a D-Bus
    // callback of ours: kick the bridge so sd-bus writes it now.
    service->commands_ = [principals = service->principals_.get(), &executor, kick = service->kick_](
                             const std::string& sender, control::Command command,
                             control::CommandExecutor::Done done) {
      principals->Identify(sender, [&executor, kick, command = std::move(command),
                                    done = std::move(done)](const control::Principal& principal) {
        executor.Execute(principal, command, done);
        kick();
      });
    };
    auto* self = service.get();
    service->manager_ = std::make_unique<ManagerDbusObject>(connection, self->commands_, std::move(initial));
    service->modems_ = std::make_unique<PublishedObjectSet<ModemDbusObject>>(
        "Modem", [&connection, self](const std::string& path, const ModemProperties& properties) {
          return std::make_unique<ModemDbusObject>(connection, path, self->commands_, properties);
        });
    service->wans_ = std::make_unique<PublishedObjectSet<WanDbusObject>>(
        "Wan", [&connection, self](const std::string& path, const WanProperties& properties) {
          return std::make_unique<WanDbusObject>(connection, path, self->commands_, properties);
        });
    connection.requestName(kBusName);
    service->name_owned_ = true;
  } catch (const sdbus::Error& error) {
    return MakeError(ErrorCode::kUnavailable, std::string("cannot own ") + kBusName + " (is another uplinkd running?): " +
                                                  error.getName() + ": " + error.getMessage());
  }
  service->log_.Info("owns {}", kBusName);
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

void DbusService::Publish(const state::Snapshot& snapshot, const state::StateChanges& changes) {
  using state::StatePart;
  PublishManager(ManagerPropertiesFrom(snapshot));
  if (changes.Has(StatePart::kModems)) PublishModems(snapshot.modems);
  // A Wan's addresses are its link's.
  if (changes.Has(StatePart::kWans) || changes.Has(StatePart::kLinks)) PublishWans(snapshot.wans, snapshot.links);
  if (changes.Has(StatePart::kAlerts)) PublishAlertRelay(snapshot.alerts.relay);
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

void DbusService::PublishWans(const std::vector<policy::WanStatus>& wans, const std::vector<net::LinkEntry>& links) {
  Guarded("Wans", [&] {
    std::map<std::string, WanProperties> wanted;
    for (const auto& wan : wans) wanted.emplace(wan.name, WanPropertiesFrom(wan, links));
    wans_->Sync(wanted);
  });
}

void DbusService::PublishAlertRelay(const std::optional<relay::AlertRelayStatus>& relay) {
  Guarded("the alert relay", [&] {
    if (!relay) {
      alert_relay_.reset();
    } else if (alert_relay_) {
      alert_relay_->Update(AlertRelayPropertiesFrom(*relay));
    } else {
      alert_relay_ = std::make_unique<AlertRelayDbusObject>(connection_, commands_, AlertRelayPropertiesFrom(*relay));
    }
  });
}

}  // namespace uplinkd::dbus
