#include "dbus/wan_dbus_object.h"

#include "base/logger.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

WanDbusObject::WanDbusObject(sdbus::IConnection& connection, const std::string& path, CommandCaller commands,
                             WanProperties initial)
    : AdaptorInterfaces(connection, path), commands_(std::move(commands)), mirror_(std::move(initial)) {
  registerAdaptor();
  emitInterfacesAddedSignal({kWanInterface});
}

WanDbusObject::~WanDbusObject() {
  try {
    emitInterfacesRemovedSignal({kWanInterface});
  } catch (const sdbus::Error& error) {
    Logger(LogModule::kDbus).Warning("{}: InterfacesRemoved not sent: {}", getObjectPath(), error.getMessage());
  }
  unregisterAdaptor();
}

void WanDbusObject::Update(const WanProperties& next) { mirror_.Replace(getObject(), kWanInterface, next); }

// Methods: the Wan is the one this object stands for (its configured name).

void WanDbusObject::SetAdministrativeState(sdbus::Result<>&& pending, bool up) {
  RunCommand(getObject(), commands_, std::move(pending), {control::WanAdministrativeStateCommand{P().name, up}, {}},
             ReturnNothing());
}

}  // namespace uplinkd::dbus
