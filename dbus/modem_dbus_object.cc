#include "dbus/modem_dbus_object.h"

#include "base/logger.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

ModemDbusObject::ModemDbusObject(sdbus::IConnection& connection, const std::string& path, ModemProperties initial)
    : AdaptorInterfaces(connection, path), mirror_(std::move(initial)) {
  registerAdaptor();
  emitInterfacesAddedSignal({kModemInterface});
}

ModemDbusObject::~ModemDbusObject() {
  try {
    emitInterfacesRemovedSignal({kModemInterface});
  } catch (const sdbus::Error& error) {
    Logger(LogModule::kDbus).Warning("{}: InterfacesRemoved not sent: {}", getObjectPath(), error.getMessage());
  }
  unregisterAdaptor();
}

void ModemDbusObject::Update(const ModemProperties& next) { mirror_.Replace(getObject(), kModemInterface, next); }

}  // namespace uplinkd::dbus
