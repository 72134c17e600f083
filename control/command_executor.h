#pragma once
// The one place a command runs (docs/control.md): Execute() authorises the principal against the
// permission table, validates the arguments, runs the command through the CommandTarget, writes one
// audit row for the attempt (also when it was refused), logs it once, and answers a typed result or
// a named error. A refused or invalid command changes nothing.
//
// Idempotency: a command with a key is remembered (per principal, for `idempotency_window`, at most
// kMaxRemembered keys); the same key with the same command answers the stored reply without
// running again (audited as "replayed"); with another command it is an invalid argument.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "base/logger.h"
#include "base/result.h"
#include "base/scheduler.h"
#include "control/audit_log.h"
#include "control/audit_record.h"
#include "control/command.h"
#include "control/command_target.h"
#include "control/permission_table.h"
#include "control/principal.h"

namespace uplinkd::control {

struct CommandDone {
  friend bool operator==(const CommandDone&, const CommandDone&) = default;
};
struct ReloadResult {
  uint64_t generation = 0;
  friend bool operator==(const ReloadResult&, const ReloadResult&) = default;
};
struct AuditRows {
  std::vector<AuditRecord> rows;
  friend bool operator==(const AuditRows&, const AuditRows&) = default;
};
struct SubmitReply {
  std::string reply;  // the relay's reply, in the socket's JSON format
  friend bool operator==(const SubmitReply&, const SubmitReply&) = default;
};
using CommandResult = std::variant<CommandDone, ReloadResult, AuditRows, SubmitReply>;
// The result, or a named error: kPermissionDenied, kInvalidArgument, kNotFound, kUnavailable, or
// what the target answered (kRejected, kSystem, ...: "failed" to a transport).
using CommandReply = Result<CommandResult>;

class CommandExecutor {
 public:
  using Done = std::function<void(const CommandReply&)>;
  struct Settings {
    std::chrono::seconds idempotency_window{600};
    // Wall clock for the audit rows, ms since the Unix epoch.
    std::function<int64_t()> wall_clock_ms;
  };
  static constexpr size_t kMaxRemembered = 256;

  // `audit` may be null (the log could not be opened): attempts are then only logged.
  CommandExecutor(CommandTarget target, PermissionTable permissions, AuditLog* audit, Scheduler& scheduler,
                  Settings settings);

  // `done` runs once, before Execute returns today (every target call is synchronous); callers
  // must not rely on that, so a later target may answer asynchronously.
  void Execute(const Principal& principal, const Command& command, const Done& done);

  void set_permissions(PermissionTable permissions) { permissions_ = std::move(permissions); }
  // What the commands act on, once the parts exist (until then each is answered kUnavailable).
  void set_target(CommandTarget target) { target_ = std::move(target); }
  void set_idempotency_window(std::chrono::seconds window) { settings_.idempotency_window = window; }
  const PermissionTable& permissions() const { return permissions_; }

 private:
  struct Remembered {
    std::string command;  // name and arguments, to tell a replay from a reuse
    CommandReply reply;
    SteadyTime at;
  };
  using Key = std::pair<std::string, std::string>;  // principal, idempotency key

  CommandReply Run(const Principal& principal, const CommandAction& action);
  void Audit(const Principal& principal, const std::string& name, const std::string& arguments, bool permitted,
             const CommandReply& reply, bool replayed);
  void Forget();

  CommandTarget target_;
  PermissionTable permissions_;
  AuditLog* audit_;
  Scheduler& scheduler_;
  Settings settings_;
  std::map<Key, Remembered> remembered_;
  std::deque<Key> remembered_order_;  // oldest first
  Logger log_{LogModule::kControl};
};

}  // namespace uplinkd::control
