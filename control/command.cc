#include "control/command.h"

#include "base/text_escape.h"

namespace uplinkd::control {

const char* CommandName(const Command& command) {
  return std::visit([](const auto& action) { return std::decay_t<decltype(action)>::kName; }, command.action);
}

Permission RequiredPermission(const Command& command) {
  return std::visit([](const auto& action) { return std::decay_t<decltype(action)>::kPermission; }, command.action);
}

bool ChangesState(const Command& command) {
  return std::visit([](const auto& action) { return std::decay_t<decltype(action)>::kChangesState; },
                    command.action);
}

std::vector<AuditArgument> AuditArguments(const Command& command) {
  return std::visit([](const auto& action) { return action.Arguments(); }, command.action);
}

std::string FormatAuditArguments(const std::vector<AuditArgument>& arguments) {
  std::string text;
  for (const auto& argument : arguments) {
    if (!text.empty()) text += ' ';
    text += EscapeControlCharacters(argument.name);
    text += '=';
    text += argument.secret ? "<redacted>" : EscapeControlCharacters(argument.value);
  }
  return text;
}

}  // namespace uplinkd::control
