#include "dbus/manager_dbus_object.h"

#include <memory>

#include "base/logger.h"
#include "base/text_escape.h"
#include "dbus/dbus_errors.h"
#include "dbus/object_paths.h"

namespace uplinkd::dbus {
namespace {

sdbus::Error ToDbusError(const Error& error) { return sdbus::Error(ErrorNameFor(error.code), error.message); }

}  // namespace

ManagerDbusObject::ManagerDbusObject(sdbus::IConnection& connection, CallerAuthorizer& authorizer,
                                     ManagerActions actions, ManagerProperties initial)
    : AdaptorInterfaces(connection, kRootPath),
      authorizer_(authorizer),
      actions_(std::move(actions)),
      mirror_(std::move(initial)) {
  registerAdaptor();
}

ManagerDbusObject::~ManagerDbusObject() { unregisterAdaptor(); }

void ManagerDbusObject::Update(const ManagerProperties& next) { mirror_.Replace(getObject(), kManagerInterface, next); }

std::string ManagerDbusObject::Sender() const {
  const auto* message = getObject().getCurrentlyProcessedMessage();
  return message ? message->getSender() : std::string();
}

// sdbus::Result is move-only and the authorizer's callback a std::function: the pending reply is
// shared with the callback.
void ManagerDbusObject::Reload(sdbus::Result<uint64_t>&& pending) {
  auto result = std::make_shared<sdbus::Result<uint64_t>>(std::move(pending));
  authorizer_.Authorize(Sender(), "Manager.Reload", [this, result](Result<CallerCredentials> caller) {
    if (!caller) return result->returnError(ToDbusError(caller.error()));
    auto generation = actions_.reload();
    if (!generation) {
      return result->returnError(sdbus::Error(generation.error().code == ErrorCode::kInvalidArgument
                                                 ? kErrorConfigInvalid
                                                 : ErrorNameFor(generation.error().code),
                                             generation.error().message));
    }
    result->returnResults(*generation);
  });
}

void ManagerDbusObject::SetLogLevel(sdbus::Result<>&& pending, std::string level) {
  auto result = std::make_shared<sdbus::Result<>>(std::move(pending));
  authorizer_.Authorize(Sender(), "Manager.SetLogLevel(" + level + ")",
                        [this, result, level](Result<CallerCredentials> caller) {
                          if (!caller) return result->returnError(ToDbusError(caller.error()));
                          if (!LogLevelFromName(level)) {
                            return result->returnError(sdbus::Error(
                                kErrorInvalidArgument,
                                "unknown log level \"" + EscapeBounded(level) + "\" (error, warning, notice, info, debug)"));
                          }
                          actions_.set_log_level(level);
                          result->returnResults();
                        });
}

}  // namespace uplinkd::dbus
