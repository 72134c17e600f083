#include "dbus/alert_relay_dbus_object.h"

#include <memory>

#include "base/logger.h"
#include "dbus/dbus_errors.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {

AlertRelayDbusObject::AlertRelayDbusObject(sdbus::IConnection& connection, CallerAuthorizer& authorizer,
                                           Submitter submitter, AlertRelayProperties initial)
    : AdaptorInterfaces(connection, kAlertRelayPath),
      authorizer_(authorizer),
      submitter_(std::move(submitter)),
      mirror_(std::move(initial)) {
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

void AlertRelayDbusObject::Submit(sdbus::Result<std::string>&& pending, std::string submission) {
  auto result = std::make_shared<sdbus::Result<std::string>>(std::move(pending));
  const auto* message = getObject().getCurrentlyProcessedMessage();
  std::string sender = message ? message->getSender() : std::string();
  authorizer_.Authorize(sender, "AlertRelay.Submit", [this, result, submission](Result<CallerCredentials> caller) {
    if (!caller) return result->returnError(sdbus::Error(ErrorNameFor(caller.error().code), caller.error().message));
    auto answer = SubmitAnswerFromReply(submitter_(submission, caller->uid));
    if (!answer) return result->returnError(sdbus::Error(ErrorNameFor(answer.error().code), answer.error().message));
    result->returnResults(*answer);
  });
}

}  // namespace uplinkd::dbus
