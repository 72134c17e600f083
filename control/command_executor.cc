#include "control/command_executor.h"

#include <type_traits>

#include "base/text_escape.h"

namespace uplinkd::control {
namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

tl::unexpected<Error> Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidArgument, std::move(message));
}
tl::unexpected<Error> NotRunning(const char* what) {
  return MakeError(ErrorCode::kUnavailable, std::string(what) + " does not run in this uplinkd");
}

// A name from outside: present, bounded. Whether it exists is the target's to say (kNotFound).
Result<void> CheckName(const char* what, const std::string& name) {
  if (name.empty()) return Invalid(std::string(what) + " name is empty");
  if (name.size() > kMaxNameBytes) {
    return Invalid(std::string(what) + " name is longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  return {};
}

// A caller's value in a message; a long one is not repeated (cutting it could split a character).
std::string Quoted(const std::string& value) {
  return value.size() <= kMaxNameBytes ? "\"" + value + "\"" : "(" + std::to_string(value.size()) + " bytes)";
}

Result<policy::TrafficClass> ParseClass(const std::string& name) {
  if (auto traffic_class = policy::ParseTrafficClass(name)) return *traffic_class;
  return Invalid("unknown traffic class " + Quoted(name) +
                 " (alert, management, telemetry, bulk)");
}

Result<void> CheckIdempotencyKey(const std::string& key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyBytes) {
    return Invalid("idempotency key must be 1-" + std::to_string(kMaxIdempotencyKeyBytes) + " bytes");
  }
  for (unsigned char c : key) {
    if (c < 0x21 || c > 0x7e) return Invalid("idempotency key must be printable ASCII without spaces");
  }
  return {};
}

CommandReply Completed(Result<void> outcome) {
  if (!outcome) return tl::unexpected(outcome.error());
  return CommandResult{CommandDone{}};
}

std::string Summary(const CommandReply& reply) {
  if (!reply) return std::string(ErrorCodeName(reply.error().code)) + ": " + reply.error().message;
  if (const auto* reload = std::get_if<ReloadResult>(&*reply)) return "ok: generation " + std::to_string(reload->generation);
  if (const auto* rows = std::get_if<AuditRows>(&*reply)) return "ok: " + std::to_string(rows->rows.size()) + " row(s)";
  return "ok";
}

}  // namespace

CommandExecutor::CommandExecutor(CommandTarget target, PermissionTable permissions, AuditLog* audit,
                                 Scheduler& scheduler, Settings settings)
    : target_(std::move(target)),
      permissions_(std::move(permissions)),
      audit_(audit),
      scheduler_(scheduler),
      settings_(std::move(settings)) {}

void CommandExecutor::Execute(const Principal& principal, const Command& command, const Done& done) {
  const std::string name = CommandName(command);
  const std::string arguments = FormatAuditArguments(AuditArguments(command));

  // Authorise first: a caller without the permission learns nothing about its arguments.
  Permission needed = RequiredPermission(command);
  PermissionSet held = permissions_.PermissionsOf(principal);
  if (!held.Has(needed)) {
    std::string why = principal.kind == PrincipalKind::kUnidentified
                          ? "cannot learn who the caller is: " + principal.id
                          : principal.Name() + " may not " + name + " (needs " + PermissionName(needed) +
                                "; holds " + held.ToString() + ")";
    CommandReply refused = MakeError(ErrorCode::kPermissionDenied, why);
    Audit(principal, name, arguments, false, refused, false);
    done(refused);
    return;
  }

  std::optional<Key> key;
  if (command.idempotency_key) {
    if (auto valid = CheckIdempotencyKey(*command.idempotency_key); !valid) {
      CommandReply invalid = tl::unexpected(valid.error());
      Audit(principal, name, arguments, true, invalid, false);
      done(invalid);
      return;
    }
    Forget();
    key = Key{principal.Name(), *command.idempotency_key};
    if (auto found = remembered_.find(*key); found != remembered_.end()) {
      CommandReply reply = found->second.reply;
      bool same = found->second.command == name + " " + arguments;
      if (!same) reply = Invalid("idempotency key already used for another command (" + found->second.command + ")");
      Audit(principal, name, arguments, true, reply, same);
      done(reply);
      return;
    }
  }

  CommandReply reply = Run(principal, command.action);
  Audit(principal, name, arguments, true, reply, false);
  // A transient failure is not remembered: a retry with the same key may then succeed.
  if (key && !(!reply && reply.error().code == ErrorCode::kUnavailable)) {
    if (remembered_.size() >= kMaxRemembered) {
      remembered_.erase(remembered_order_.front());
      remembered_order_.pop_front();
    }
    remembered_.emplace(*key, Remembered{name + " " + arguments, reply, scheduler_.Now()});
    remembered_order_.push_back(*key);
  }
  done(reply);
}

void CommandExecutor::Forget() {
  auto now = scheduler_.Now();
  while (!remembered_order_.empty()) {
    auto found = remembered_.find(remembered_order_.front());
    if (found != remembered_.end() && now - found->second.at < settings_.idempotency_window) break;
    if (found != remembered_.end()) remembered_.erase(found);
    remembered_order_.pop_front();
  }
}

CommandReply CommandExecutor::Run(const Principal& principal, const CommandAction& action) {
  return std::visit(
      Overloaded{
          [&](const ReloadCommand&) -> CommandReply {
            if (!target_.reload) return NotRunning("reload");
            auto generation = target_.reload();
            if (!generation) return tl::unexpected(generation.error());
            return CommandResult{ReloadResult{*generation}};
          },
          [&](const SetLogLevelCommand& command) -> CommandReply {
            auto level = LogLevelFromName(command.level);
            if (!level) {
              return Invalid("unknown log level " + Quoted(command.level) +
                             " (error, warning, notice, info, debug)");
            }
            if (!target_.set_log_level) return NotRunning("the log level");
            return Completed(target_.set_log_level(*level));
          },
          [&](const ModemResumeCommand& command) -> CommandReply {
            if (auto valid = CheckName("modem", command.modem); !valid) return tl::unexpected(valid.error());
            if (!target_.resume_modem) return NotRunning("the modem layer");
            return Completed(target_.resume_modem(command.modem));
          },
          [&](const ModemReconnectCommand& command) -> CommandReply {
            if (auto valid = CheckName("modem", command.modem); !valid) return tl::unexpected(valid.error());
            if (!target_.reconnect_modem) return NotRunning("the modem layer");
            return Completed(target_.reconnect_modem(command.modem));
          },
          [&](const ModemResetCommand& command) -> CommandReply {
            if (auto valid = CheckName("modem", command.modem); !valid) return tl::unexpected(valid.error());
            if (!target_.reset_modem) return NotRunning("the modem layer");
            return Completed(target_.reset_modem(command.modem));
          },
          [&](const WanAdministrativeStateCommand& command) -> CommandReply {
            if (auto valid = CheckName("Wan", command.wan); !valid) return tl::unexpected(valid.error());
            if (!target_.set_wan_administrative_state) return NotRunning("the multi-WAN policy");
            return Completed(target_.set_wan_administrative_state(command.wan, command.up));
          },
          [&](const PinClassCommand& command) -> CommandReply {
            auto traffic_class = ParseClass(command.traffic_class);
            if (!traffic_class) return tl::unexpected(traffic_class.error());
            if (auto valid = CheckName("Wan", command.wan); !valid) return tl::unexpected(valid.error());
            if (command.duration.count() < 1 || command.duration > kMaxPinDuration) {
              return Invalid("a pin lasts 1 to " + std::to_string(kMaxPinDuration.count()) + " seconds");
            }
            if (!target_.pin_class) return NotRunning("the multi-WAN policy");
            return Completed(target_.pin_class(*traffic_class, command.wan, command.duration));
          },
          [&](const UnpinClassCommand& command) -> CommandReply {
            auto traffic_class = ParseClass(command.traffic_class);
            if (!traffic_class) return tl::unexpected(traffic_class.error());
            if (!target_.unpin_class) return NotRunning("the multi-WAN policy");
            return Completed(target_.unpin_class(*traffic_class));
          },
          [&](const SubmitAlertCommand& command) -> CommandReply {
            if (command.submission.size() > kMaxSubmissionBytes) {
              return Invalid("a submission is at most " + std::to_string(kMaxSubmissionBytes) + " bytes");
            }
            if (!target_.submit_alert) return NotRunning("the alert relay");
            // A local caller's uid is part of the alert's identity, as on the socket.
            std::optional<uint32_t> uid;
            if (principal.kind == PrincipalKind::kLocalUser) uid = principal.uid;
            return CommandResult{SubmitReply{target_.submit_alert(command.submission, uid)}};
          },
          [&](const ReadAuditCommand& command) -> CommandReply {
            if (command.limit > kMaxAuditRows) {
              return Invalid("at most " + std::to_string(kMaxAuditRows) + " audit rows at a time");
            }
            if (!audit_) return MakeError(ErrorCode::kUnavailable, "the audit log could not be opened (see the log)");
            auto rows = audit_->Newest(command.limit == 0 ? kDefaultAuditRows : command.limit);
            if (!rows) return tl::unexpected(rows.error());
            return CommandResult{AuditRows{std::move(*rows)}};
          },
      },
      action);
}

void CommandExecutor::Audit(const Principal& principal, const std::string& name, const std::string& arguments,
                            bool permitted, const CommandReply& reply, bool replayed) {
  AuditRecord record;
  record.time_ms = settings_.wall_clock_ms ? settings_.wall_clock_ms() : 0;
  record.principal = EscapeControlCharacters(principal.Name());
  record.via = EscapeControlCharacters(principal.via);
  record.command = name;
  record.arguments = arguments;
  record.permitted = permitted;
  record.outcome = replayed ? "replayed" : reply ? "ok" : ErrorCodeName(reply.error().code);
  if (!reply) record.message = EscapeControlCharacters(reply.error().message);
  if (const auto* reload = reply ? std::get_if<ReloadResult>(&*reply) : nullptr) {
    record.message = "generation " + std::to_string(reload->generation);
  }
  if (const auto* submitted = reply ? std::get_if<SubmitReply>(&*reply) : nullptr) {
    record.message = EscapeControlCharacters(submitted->reply.substr(0, 200));  // the relay says if it took it
  }
  std::string line = name + (arguments.empty() ? "" : " " + arguments) + " by " + record.principal +
                     (record.via.empty() ? "" : " (" + record.via + ")") + ": " +
                     (replayed ? "replayed " : "") + EscapeControlCharacters(Summary(reply));
  if (permitted) {
    log_.Notice("{}", line);
  } else {
    log_.Warning("refused {}", line);
  }
  if (!audit_) return;
  if (auto stored = audit_->Append(record); !stored) {
    log_.Error("not in the audit log: {}: {}", line, Describe(stored.error()));
  }
}

}  // namespace uplinkd::control
