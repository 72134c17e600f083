#pragma once
// The commands every transport (D-Bus and uplinkctl today; SMS and remote management later) asks
// the command layer for, as typed values (docs/control.md). Each kind states its name, the
// permission it needs, whether it changes state, and how its arguments appear in the audit log.
// Arguments arrive as the transport decoded them; CommandExecutor validates them before anything
// runs, so a bad value is refused (and audited) without changing anything.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "control/permission.h"

namespace uplinkd::control {

// One argument as the audit log shows it; a secret's value never reaches the log.
struct AuditArgument {
  std::string name;
  std::string value;
  bool secret = false;
};

struct ReloadCommand {
  static constexpr const char* kName = "reload";
  static constexpr Permission kPermission = Permission::kConfigure;
  static constexpr bool kChangesState = true;
  std::vector<AuditArgument> Arguments() const { return {}; }
};

struct SetLogLevelCommand {
  static constexpr const char* kName = "set-log-level";
  static constexpr Permission kPermission = Permission::kConfigure;
  static constexpr bool kChangesState = true;
  std::string level;
  std::vector<AuditArgument> Arguments() const { return {{"level", level}}; }
};

struct ModemResumeCommand {
  static constexpr const char* kName = "modem-resume";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string modem;
  std::vector<AuditArgument> Arguments() const { return {{"modem", modem}}; }
};

struct ModemReconnectCommand {
  static constexpr const char* kName = "modem-reconnect";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string modem;
  std::vector<AuditArgument> Arguments() const { return {{"modem", modem}}; }
};

struct ModemResetCommand {
  static constexpr const char* kName = "modem-reset";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string modem;
  std::vector<AuditArgument> Arguments() const { return {{"modem", modem}}; }
};

// Administrative down: the policy treats the Wan as unusable for every class until it is up again.
struct WanAdministrativeStateCommand {
  static constexpr const char* kName = "wan-administrative-state";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string wan;
  bool up = true;
  std::vector<AuditArgument> Arguments() const { return {{"wan", wan}, {"state", up ? "up" : "down"}}; }
};

// Holds a traffic class on a Wan for `duration`; it expires by itself.
struct PinClassCommand {
  static constexpr const char* kName = "pin-class";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string traffic_class;
  std::string wan;
  std::chrono::seconds duration{0};
  std::vector<AuditArgument> Arguments() const {
    return {{"class", traffic_class}, {"wan", wan}, {"seconds", std::to_string(duration.count())}};
  }
};

struct UnpinClassCommand {
  static constexpr const char* kName = "unpin-class";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string traffic_class;
  std::vector<AuditArgument> Arguments() const { return {{"class", traffic_class}}; }
};

// One alert submission in the relay's socket format (docs/alert-submission.md), for management
// tools; producers on the box use the socket. The audit keeps its size, not its payload.
struct SubmitAlertCommand {
  static constexpr const char* kName = "submit-alert";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = true;
  std::string submission;
  std::vector<AuditArgument> Arguments() const { return {{"bytes", std::to_string(submission.size())}}; }
};

// The newest `limit` rows of the audit log (0: kDefaultAuditRows), oldest first.
struct ReadAuditCommand {
  static constexpr const char* kName = "read-audit";
  static constexpr Permission kPermission = Permission::kOperate;
  static constexpr bool kChangesState = false;
  uint32_t limit = 0;
  std::vector<AuditArgument> Arguments() const { return {{"limit", std::to_string(limit)}}; }
};

using CommandAction = std::variant<ReloadCommand, SetLogLevelCommand, ModemResumeCommand, ModemReconnectCommand,
                                   ModemResetCommand, WanAdministrativeStateCommand, PinClassCommand,
                                   UnpinClassCommand, SubmitAlertCommand, ReadAuditCommand>;

struct Command {
  CommandAction action;
  // A repeated key (same principal, same command) within the executor's window answers the stored
  // result without running the command again: a transport may retry safely.
  std::optional<std::string> idempotency_key;
};

const char* CommandName(const Command& command);
Permission RequiredPermission(const Command& command);
bool ChangesState(const Command& command);
std::vector<AuditArgument> AuditArguments(const Command& command);
// "modem=modem1 state=down"; secrets as <redacted>; values escaped (control characters).
std::string FormatAuditArguments(const std::vector<AuditArgument>& arguments);

// Bounds on what a transport may hand in (everything from outside is hostile).
inline constexpr size_t kMaxNameBytes = 64;          // modem and Wan names, class names, levels
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr std::chrono::seconds kMaxPinDuration{86400};
inline constexpr uint32_t kDefaultAuditRows = 100;
inline constexpr uint32_t kMaxAuditRows = 1000;
inline constexpr size_t kMaxSubmissionBytes = 65536;

}  // namespace uplinkd::control
