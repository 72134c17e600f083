#pragma once
// uplinkd on D-Bus: owns the well-known name org.uplinkd1 and every exported object, and keeps
// them equal to the daemon's state: Publish() renders the state store's typed snapshot (it
// subscribes to state::StateStore) and announces exactly what changed (PropertiesChanged,
// InterfacesAdded/Removed), so clients never poll. No sdbus type appears here. The property
// renderers are the *_properties.cc functions; method handlers live in the *_dbus_object.cc files.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/logger.h"
#include "base/result.h"
#include "dbus/alert_relay_properties.h"
#include "dbus/command_call.h"
#include "dbus/manager_properties.h"
#include "dbus/wan_properties.h"
#include "state/state_snapshot.h"

namespace sdbus {
class IConnection;
}

namespace uplinkd::dbus {

class BusCredentialsSource;
class BusPrincipalSource;
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
  // loop's D-Bus bridge after signals are queued outside a D-Bus callback. Every method of every
  // object runs through `executor` (the command layer), for the principal the bus names.
  static Result<std::unique_ptr<DbusService>> Create(sdbus::IConnection& connection, std::function<void()> kick,
                                                     control::CommandExecutor& executor, ManagerProperties initial);
  ~DbusService();
  DbusService(const DbusService&) = delete;
  DbusService& operator=(const DbusService&) = delete;

  // Renders `snapshot`: the Manager always (it sums several parts); one Modem object per
  // configured modem, one Wan object per Wan and the AlertRelay object while the relay runs, each
  // when its parts are in `changes`.
  void Publish(const state::Snapshot& snapshot, const state::StateChanges& changes);

  // For other object kinds (docs/dbus-api.md, "Adding an object kind").
  sdbus::IConnection& connection() { return connection_; }
  const CommandCaller& commands() const { return commands_; }
  void Kick() { kick_(); }

 private:
  DbusService(sdbus::IConnection& connection, std::function<void()> kick);
  // Runs one publication; a failing bus is logged, never thrown into the daemon.
  void Guarded(const char* what, const std::function<void()>& publish);
  void PublishManager(const ManagerProperties& properties);
  void PublishModems(const std::vector<modem::ModemWanState>& modems);
  void PublishWans(const std::vector<policy::WanStatus>& wans, const std::vector<net::LinkEntry>& links);
  void PublishAlertRelay(const std::optional<relay::AlertRelayStatus>& relay);

  sdbus::IConnection& connection_;
  std::function<void()> kick_;
  std::unique_ptr<BusCredentialsSource> credentials_;
  std::unique_ptr<BusPrincipalSource> principals_;
  CommandCaller commands_;
  std::unique_ptr<ManagerDbusObject> manager_;
  std::unique_ptr<PublishedObjectSet<ModemDbusObject>> modems_;
  std::unique_ptr<PublishedObjectSet<WanDbusObject>> wans_;
  std::unique_ptr<AlertRelayDbusObject> alert_relay_;
  bool name_owned_ = false;
  Logger log_{LogModule::kDbus};
};

}  // namespace uplinkd::dbus
