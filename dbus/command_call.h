#pragma once
// How a D-Bus method hands its request to the command layer: the handler decodes the arguments
// into a control::Command and calls RunCommand(), which names the sender's principal (through the
// CommandCaller the DbusService provides), runs CommandExecutor::Execute and answers the pending
// call: the result through `on_ok`, an error as its org.uplinkd1.Error.* name. Nothing else in a
// handler: no handler changes domain state itself.
#include <functional>
#include <memory>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

#include "control/command.h"
#include "control/command_executor.h"
#include "dbus/dbus_errors.h"

namespace uplinkd::dbus {

// Identifies `sender` and executes `command` for it; `done` gets the reply.
using CommandCaller =
    std::function<void(const std::string& sender, control::Command command, control::CommandExecutor::Done done)>;
// The D-Bus error name of a command's error (ErrorNameFor, or a method's own mapping).
using ErrorNamer = std::function<const char*(ErrorCode)>;

template <typename... Outputs, typename OnOk>
void RunCommand(sdbus::IObject& object, const CommandCaller& caller, sdbus::Result<Outputs...>&& pending,
                control::Command command, OnOk on_ok, ErrorNamer namer = ErrorNameFor) {
  // sdbus::Result is move-only and the callback a std::function: the pending reply is shared.
  // The callback holds no pointer to the object: it may be gone when the bus answers.
  auto result = std::make_shared<sdbus::Result<Outputs...>>(std::move(pending));
  const auto* message = object.getCurrentlyProcessedMessage();
  std::string sender = message ? message->getSender() : std::string();
  caller(sender, std::move(command), [result, on_ok, namer](const control::CommandReply& reply) {
    if (!reply) return result->returnError(sdbus::Error(namer(reply.error().code), reply.error().message));
    on_ok(*result, *reply);
  });
}

// For methods without outputs.
inline auto ReturnNothing() {
  return [](sdbus::Result<>& result, const control::CommandResult&) { result.returnResults(); };
}

}  // namespace uplinkd::dbus
