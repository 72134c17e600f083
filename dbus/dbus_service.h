#pragma once
// uplinkd on D-Bus: owns the well-known name org.uplinkd1 and every exported object, and keeps
// them equal to the daemon's state. The daemon calls Publish*() whenever its state changed;
// each call announces exactly what changed (PropertiesChanged, InterfacesAdded/Removed), so
// clients never poll. No sdbus type appears here.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/logger.h"
#include "base/result.h"
#include "dbus/manager_actions.h"
#include "dbus/alert_relay_properties.h"
#include "dbus/manager_properties.h"
#include "dbus/wan_properties.h"
#include "modem/modem_wan_state.h"

namespace sdbus {
class IConnection;
}

namespace uplinkd::dbus {

class BusCredentialsSource;
class CallerAuthorizer;
class ManagerDbusObject;
class ModemDbusObject;
class WanDbusObject;
class AlertRelayDbusObject;
template <typename Object>
class PublishedObjectSet;

class DbusService {
 public:
  // Exports /org/uplinkd1, then requests org.uplinkd1 (so a client that sees the name finds the
  // objects). Fails when the name is taken: another uplinkd runs on this bus. `kick` wakes the
  // loop's D-Bus bridge after signals are queued outside a D-Bus callback.
  static Result<std::unique_ptr<DbusService>> Create(sdbus::IConnection& connection, std::function<void()> kick,
                                                     ManagerActions actions, const std::string& access_group,
                                                     ManagerProperties initial);
  ~DbusService();
  DbusService(const DbusService&) = delete;
  DbusService& operator=(const DbusService&) = delete;

  void PublishManager(const ManagerProperties& properties);
  // One object per configured modem, named after it.
  void PublishModems(const std::vector<modem::ModemWanState>& modems);
  // One object per Wan, named after it (PolicyController::WansJson() through
  // WanPropertiesFromStatus).
  void PublishWans(const std::vector<WanProperties>& wans);
  // The relay's object while it runs (nullopt: none). `submit` hands one submission and its
  // caller's uid to the relay and returns its reply (relay::AlertRelay::HandleSubmission); it is
  // kept from the first call.
  void PublishAlertRelay(const std::optional<AlertRelayProperties>& relay,
                         std::function<std::string(const std::string&, uint32_t uid)> submit);
  // Re-resolves the group allowed to change things (after a reload).
  void SetAccessGroup(const std::string& group);

  // For other object kinds (docs/dbus-api.md, "Adding an object kind").
  sdbus::IConnection& connection() { return connection_; }
  CallerAuthorizer& authorizer() { return *authorizer_; }
  void Kick() { kick_(); }

 private:
  DbusService(sdbus::IConnection& connection, std::function<void()> kick);
  // Runs one publication; a failing bus is logged, never thrown into the daemon.
  void Guarded(const char* what, const std::function<void()>& publish);

  sdbus::IConnection& connection_;
  std::function<void()> kick_;
  std::unique_ptr<BusCredentialsSource> credentials_;
  std::unique_ptr<CallerAuthorizer> authorizer_;
  std::unique_ptr<ManagerDbusObject> manager_;
  std::unique_ptr<PublishedObjectSet<ModemDbusObject>> modems_;
  std::unique_ptr<PublishedObjectSet<WanDbusObject>> wans_;
  std::unique_ptr<AlertRelayDbusObject> alert_relay_;
  bool name_owned_ = false;
  Logger log_{LogModule::kDbus};
};

}  // namespace uplinkd::dbus
