#include "dbus/wan_dbus_object.h"

#include "base/logger.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

WanDbusObject::WanDbusObject(sdbus::IConnection& connection, const std::string& path, WanProperties initial)
    : AdaptorInterfaces(connection, path), mirror_(std::move(initial)) {
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

}  // namespace uplinkd::dbus
