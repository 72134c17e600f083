#include "dbus/alert_relay_dbus_object.h"

#include <memory>

#include "base/logger.h"
#include "dbus/dbus_errors.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

AlertRelayDbusObject::AlertRelayDbusObject(sdbus::IConnection& connection, CommandCaller commands,
                                           AlertRelayProperties initial)
    : AdaptorInterfaces(connection, kAlertRelayPath), commands_(std::move(commands)), mirror_(std::move(initial)) {
  registerAdaptor();
  emitInterfacesAddedSignal({kAlertRelayInterface});
}

AlertRelayDbusObject::~AlertRelayDbusObject() {
  try {
    emitInterfacesRemovedSignal({kAlertRelayInterface});
  } catch (const sdbus::Error& error) {
    Logger(LogModule::kDbus).Warning("{}: InterfacesRemoved not sent: {}", getObjectPath(), error.getMessage());
  }
  unregisterAdaptor();
}

void AlertRelayDbusObject::Update(const AlertRelayProperties& next) {
  mirror_.Replace(getObject(), kAlertRelayInterface, next);
}

// Methods.

void AlertRelayDbusObject::Submit(sdbus::Result<std::string>&& pending, std::string submission) {
  RunCommand(getObject(), commands_, std::move(pending), {control::SubmitAlertCommand{std::move(submission)}, {}},
             [](sdbus::Result<std::string>& result, const control::CommandResult& reply) {
               auto answer = SubmitAnswerFromReply(std::get<control::SubmitReply>(reply).reply);
               if (!answer) {
                 return result.returnError(sdbus::Error(ErrorNameFor(answer.error().code), answer.error().message));
               }
               result.returnResults(*answer);
             });
}

}  // namespace uplinkd::dbus
