#include "control/command_executor.h"

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"
#include "tests/unit/control/fake_command_target.h"
#include "tests/unit/control/temp_dir.h"

namespace uplinkd::control {
namespace {

class CommandExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = AuditLog::Open(dir_.File("audit.sqlite"), 1000);
    ASSERT_TRUE(opened) << opened.error().message;
    audit_ = std::move(*opened);
    executor_ = std::make_unique<CommandExecutor>(fake_.Target(), PermissionTable::Build({}, "g", Accounts()).table,
                                                  audit_.get(), scheduler_,
                                                  CommandExecutor::Settings{std::chrono::seconds(60), [this] { return ++clock_; }});
  }
  static AccountResolver Accounts() {
    return {[](const std::string&) { return std::optional<uint32_t>(); },
            [](const std::string&) { return std::optional<uint32_t>(990); }};
  }
  CommandReply Run(const Command& command, const Principal& who = Principal::LocalUser(0, {}, "dbus :1.7 pid 3")) {
    std::optional<CommandReply> reply;
    executor_->Execute(who, command, [&](const CommandReply& r) { reply = r; });
    EXPECT_TRUE(reply.has_value());
    return reply.value_or(MakeError(ErrorCode::kCancelled, "no answer"));
  }
  AuditRecord LastAudit() {
    auto rows = audit_->Newest(1);
    EXPECT_TRUE(rows && rows->size() == 1);
    return rows && !rows->empty() ? rows->front() : AuditRecord{};
  }

  TempDir dir_;
  FakeScheduler scheduler_;
  FakeCommandTarget fake_;
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<CommandExecutor> executor_;
  int64_t clock_ = 1000;
};

TEST_F(CommandExecutorTest, RunsAndAuditsAPermittedCommand) {
  auto reply = Run({ModemResumeCommand{"modem1"}, {}});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE(std::holds_alternative<CommandDone>(*reply));
  EXPECT_EQ(fake_.calls, std::vector<std::string>{"resume modem1"});
  auto row = LastAudit();
  EXPECT_EQ(row.principal, "uid:0");
  EXPECT_EQ(row.via, "dbus :1.7 pid 3");
  EXPECT_EQ(row.command, "modem-resume");
  EXPECT_EQ(row.arguments, "modem=modem1");
  EXPECT_TRUE(row.permitted);
  EXPECT_EQ(row.outcome, "ok");
  EXPECT_EQ(row.time_ms, 1001);
}

TEST_F(CommandExecutorTest, ReloadAnswersTheGeneration) {
  auto reply = Run({ReloadCommand{}, {}});
  ASSERT_TRUE(reply);
  EXPECT_EQ(std::get<ReloadResult>(*reply).generation, 7u);
  EXPECT_EQ(LastAudit().message, "generation 7");
}

TEST_F(CommandExecutorTest, InvalidArgumentsChangeNothingAndAreAudited) {
  const std::vector<Command> invalid = {
      {SetLogLevelCommand{"verbose"}, {}},
      {SetLogLevelCommand{""}, {}},
      {ModemResumeCommand{""}, {}},
      {ModemReconnectCommand{std::string(65, 'm')}, {}},
      {ModemResetCommand{""}, {}},
      {WanAdministrativeStateCommand{"", false}, {}},
      {PinClassCommand{"video", "cell2", std::chrono::seconds(5)}, {}},
      {PinClassCommand{"bulk", "", std::chrono::seconds(5)}, {}},
      {PinClassCommand{"bulk", "cell2", std::chrono::seconds(0)}, {}},
      {PinClassCommand{"bulk", "cell2", std::chrono::seconds(86401)}, {}},
      {UnpinClassCommand{"Bulk"}, {}},
      {ReadAuditCommand{1001}, {}},
      {ModemResumeCommand{"modem1"}, std::string("")},
      {ModemResumeCommand{"modem1"}, std::string("has space")},
      {ModemResumeCommand{"modem1"}, std::string(129, 'k')},
  };
  for (const auto& command : invalid) {
    SCOPED_TRACE(FormatAuditArguments(AuditArguments(command)));
    auto reply = Run(command);
    ASSERT_FALSE(reply);
    EXPECT_EQ(reply.error().code, ErrorCode::kInvalidArgument);
    auto row = LastAudit();
    EXPECT_TRUE(row.permitted);
    EXPECT_EQ(row.outcome, "invalid-argument");
  }
  EXPECT_TRUE(fake_.calls.empty());
}

TEST_F(CommandExecutorTest, ValidArgumentsAtTheBoundsRun) {
  EXPECT_TRUE(Run({PinClassCommand{"alert", "cell2", std::chrono::seconds(1)}, {}}));
  EXPECT_TRUE(Run({PinClassCommand{"management", std::string(64, 'w'), std::chrono::seconds(86400)}, {}}));
  EXPECT_TRUE(Run({SetLogLevelCommand{"warning"}, {}}));
  EXPECT_TRUE(Run({WanAdministrativeStateCommand{"cell1", true}, {}}));
  EXPECT_TRUE(Run({UnpinClassCommand{"telemetry"}, {}}));
  EXPECT_EQ(fake_.calls, (std::vector<std::string>{"pin alert cell2 1", "pin management " + std::string(64, 'w') + " 86400",
                                                   "set-log-level warning", "wan cell1 up", "unpin telemetry"}));
}

TEST_F(CommandExecutorTest, TheTargetsErrorIsAnsweredAndAudited) {
  fake_.answer = MakeError(ErrorCode::kNotFound, "no modem named \"modem9\"");
  auto reply = Run({ModemResetCommand{"modem9"}, {}});
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kNotFound);
  auto row = LastAudit();
  EXPECT_EQ(row.outcome, "not-found");
  EXPECT_EQ(row.message, "no modem named \"modem9\"");
}

TEST_F(CommandExecutorTest, AnUnwiredPartIsUnavailable) {
  CommandTarget empty;
  CommandExecutor executor(empty, PermissionTable(), audit_.get(), scheduler_, {});
  std::optional<CommandReply> reply;
  executor.Execute(Principal::LocalUser(0, {}, ""), {PinClassCommand{"bulk", "cell2", std::chrono::seconds(5)}, {}},
                   [&](const CommandReply& r) { reply = r; });
  ASSERT_TRUE(reply && !*reply);
  EXPECT_EQ(reply->error().code, ErrorCode::kUnavailable);
}

TEST_F(CommandExecutorTest, ControlCharactersAreEscapedInTheAudit) {
  fake_.answer = MakeError(ErrorCode::kNotFound, "no modem named \"evil\nmodem\"");
  Run({ModemResumeCommand{"evil\nmodem\x1b[2J"}, {}});
  auto row = LastAudit();
  EXPECT_EQ(row.arguments, "modem=evil\\nmodem\\x1b[2J");
  EXPECT_EQ(row.message, "no modem named \"evil\\nmodem\"");

  Run({ModemResumeCommand{"m"}, {}}, Principal::SmsKey("k\r1", "sms\t+100"));
  row = LastAudit();
  EXPECT_FALSE(row.permitted);  // an unknown SMS key only reads
  EXPECT_EQ(row.principal, "sms:k\\r1");
  EXPECT_EQ(row.via, "sms\\t+100");
  EXPECT_EQ(row.message, "sms:k\\r1 may not modem-resume (needs operate; holds read)");
}

TEST_F(CommandExecutorTest, SecretsAreRedacted) {
  EXPECT_EQ(FormatAuditArguments({{"modem", "m1"}, {"pin", "1234", true}}), "modem=m1 pin=<redacted>");
}

TEST_F(CommandExecutorTest, ARepeatedIdempotencyKeyAnswersTheStoredResultWithoutRunningAgain) {
  Command resume{ModemResumeCommand{"modem1"}, std::string("op-42")};
  ASSERT_TRUE(Run(resume));
  fake_.answer = MakeError(ErrorCode::kRejected, "would fail now");
  auto again = Run(resume);
  EXPECT_TRUE(again) << again.error().message;
  EXPECT_EQ(fake_.calls.size(), 1u);
  EXPECT_EQ(LastAudit().outcome, "replayed");

  // Another principal's key is its own.
  auto other = Run(resume, Principal::LocalUser(1000, {990}, ""));
  EXPECT_FALSE(other);
  EXPECT_EQ(fake_.calls.size(), 2u);

  // The same key for another command is refused.
  auto reused = Run({ModemResetCommand{"modem1"}, std::string("op-42")});
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(fake_.calls.size(), 2u);

  // After the window the key is forgotten: the command runs again.
  scheduler_.AdvanceBy(std::chrono::seconds(61));
  fake_.answer = {};
  EXPECT_TRUE(Run(resume));
  EXPECT_EQ(fake_.calls.size(), 3u);
}

TEST_F(CommandExecutorTest, ATransientFailureIsNotRemembered) {
  Command pin{PinClassCommand{"bulk", "cell2", std::chrono::seconds(5)}, std::string("k1")};
  fake_.answer = MakeError(ErrorCode::kUnavailable, "not now");
  EXPECT_FALSE(Run(pin));
  fake_.answer = {};
  EXPECT_TRUE(Run(pin));
  EXPECT_EQ(fake_.calls.size(), 2u);
}

TEST_F(CommandExecutorTest, RememberedKeysAreBounded) {
  for (size_t i = 0; i <= CommandExecutor::kMaxRemembered; ++i) {
    ASSERT_TRUE(Run({UnpinClassCommand{"bulk"}, "key-" + std::to_string(i)}));
  }
  // key-0 was the oldest and made room: it runs again; key-1 is still remembered.
  size_t before = fake_.calls.size();
  EXPECT_TRUE(Run({UnpinClassCommand{"bulk"}, std::string("key-1")}));
  EXPECT_EQ(fake_.calls.size(), before);
  EXPECT_TRUE(Run({UnpinClassCommand{"bulk"}, std::string("key-0")}));
  EXPECT_EQ(fake_.calls.size(), before + 1);
}

TEST_F(CommandExecutorTest, ReadAuditShowsEveryAttemptPermittedAndRefused) {
  Run({WanAdministrativeStateCommand{"cell1", false}, {}}, Principal::LocalUser(65534, {65534}, "dbus :1.9"));
  Run({WanAdministrativeStateCommand{"cell1", false}, {}});
  auto reply = Run({ReadAuditCommand{0}, {}});
  ASSERT_TRUE(reply);
  const auto& rows = std::get<AuditRows>(*reply).rows;
  ASSERT_EQ(rows.size(), 2u);  // the read itself is audited after it answers
  EXPECT_EQ(rows[0].principal, "uid:65534");
  EXPECT_FALSE(rows[0].permitted);
  EXPECT_EQ(rows[0].outcome, "permission-denied");
  EXPECT_EQ(rows[1].principal, "uid:0");
  EXPECT_TRUE(rows[1].permitted);
  EXPECT_LT(rows[0].seq, rows[1].seq);
  EXPECT_EQ(LastAudit().command, "read-audit");
}

TEST_F(CommandExecutorTest, WithoutAnAuditLogCommandsStillRun) {
  CommandExecutor executor(fake_.Target(), PermissionTable(), nullptr, scheduler_, {});
  std::optional<CommandReply> reply;
  executor.Execute(Principal::LocalUser(0, {}, ""), {ModemResumeCommand{"modem1"}, {}}, [&](const CommandReply& r) { reply = r; });
  EXPECT_TRUE(reply && *reply);
  executor.Execute(Principal::LocalUser(0, {}, ""), {ReadAuditCommand{5}, {}}, [&](const CommandReply& r) { reply = r; });
  ASSERT_TRUE(reply && !*reply);
  EXPECT_EQ(reply->error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace uplinkd::control
