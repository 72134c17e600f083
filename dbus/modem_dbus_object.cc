#include "dbus/modem_dbus_object.h"

#include "base/logger.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

ModemDbusObject::ModemDbusObject(sdbus::IConnection& connection, const std::string& path, CommandCaller commands,
                                 ModemProperties initial)
    : AdaptorInterfaces(connection, path), commands_(std::move(commands)), mirror_(std::move(initial)) {
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

// Methods: the modem is the one this object stands for (its configured name).

void ModemDbusObject::Resume(sdbus::Result<>&& pending) {
  RunCommand(getObject(), commands_, std::move(pending), {control::ModemResumeCommand{P().name}, {}}, ReturnNothing());
}

void ModemDbusObject::Reconnect(sdbus::Result<>&& pending) {
  RunCommand(getObject(), commands_, std::move(pending), {control::ModemReconnectCommand{P().name}, {}},
             ReturnNothing());
}

void ModemDbusObject::Reset(sdbus::Result<>&& pending) {
  RunCommand(getObject(), commands_, std::move(pending), {control::ModemResetCommand{P().name}, {}}, ReturnNothing());
}

}  // namespace uplinkd::dbus
