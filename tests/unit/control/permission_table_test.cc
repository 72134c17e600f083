// The permission policy, exhaustively: every principal kind (and the cases within a kind that the
// table tells apart) against every command kind, through CommandExecutor::Execute with a fake
// target, so "allowed" means the target ran and the audit row says permitted, and "refused" means
// PermissionDenied, nothing ran, and the refusal is audited.
#include <gtest/gtest.h>

#include <map>

#include "base/fake_scheduler.h"
#include "control/command_executor.h"
#include "control/permission_table.h"
#include "tests/unit/control/fake_command_target.h"
#include "tests/unit/control/temp_dir.h"

namespace uplinkd::control {
namespace {

constexpr uint32_t kGroupGid = 990;

PrincipalSelector Sel(const std::string& text) { return *PrincipalSelector::Parse(text); }

AccountResolver FakeAccounts() {
  AccountResolver resolver;
  resolver.user_id = [](const std::string& user) -> std::optional<uint32_t> {
    if (user == "alice") return 1002;
    return std::nullopt;
  };
  resolver.group_id = [](const std::string& group) -> std::optional<uint32_t> {
    if (group == "uplinkd") return kGroupGid;
    return std::nullopt;
  };
  return resolver;
}

// operators: the access group (default), uid 1001, sms key-ops; configurers: user alice;
// admins: remote ops@fleet; readers: everyone (default).
PermissionTable Table() {
  config::ControlConfig config;
  config.operators = std::vector{Sel("group:uplinkd"), Sel("uid:1001"), Sel("sms:key-ops")};
  config.configurers = std::vector{Sel("user:alice")};
  config.admins = std::vector{Sel("remote:ops@fleet")};
  auto built = PermissionTable::Build(config, "uplinkd", FakeAccounts());
  EXPECT_TRUE(built.warnings.empty());
  return built.table;
}

struct Case {
  const char* label;
  Principal principal;
  PermissionSet expected;
};

std::vector<Case> Principals() {
  PermissionSet reader{Permission::kRead};
  PermissionSet operator_set{Permission::kRead, Permission::kOperate};
  return {
      {"root", Principal::LocalUser(0, {0}, "dbus :1.1"), PermissionSet::All()},
      {"root without groups", Principal::LocalUser(0, {}, "dbus :1.1"), PermissionSet::All()},
      {"member of the access group", Principal::LocalUser(1000, {1000, kGroupGid}, "dbus :1.2"), operator_set},
      {"operator by uid", Principal::LocalUser(1001, {1001}, "dbus :1.3"), operator_set},
      {"configurer by user name", Principal::LocalUser(1002, {1002}, "dbus :1.4"),
       {Permission::kRead, Permission::kConfigure}},
      {"other local user", Principal::LocalUser(65534, {65534}, "dbus :1.5"), reader},
      {"gid equal to the group's but as uid", Principal::LocalUser(kGroupGid, {}, "dbus :1.6"), reader},
      {"sms operator key", Principal::SmsKey("key-ops", "sms"), operator_set},
      {"sms unknown key", Principal::SmsKey("key-other", "sms"), reader},
      {"sms key named like a uid", Principal::SmsKey("1001", "sms"), reader},
      {"remote admin", Principal::RemoteIdentity("ops@fleet", "mqtt"), PermissionSet::All()},
      {"remote other", Principal::RemoteIdentity("guest@fleet", "mqtt"), reader},
      {"remote named like the sms key", Principal::RemoteIdentity("key-ops", "mqtt"), reader},
      {"unidentified", Principal::Unidentified("the bus did not answer", "dbus :1.9"), {}},
  };
}

// One of every command kind; the static_assert keeps it complete when a kind is added.
std::vector<Command> EveryCommand() {
  std::vector<Command> commands = {
      {ReloadCommand{}, {}},
      {SetLogLevelCommand{"debug"}, {}},
      {ModemResumeCommand{"modem1"}, {}},
      {ModemReconnectCommand{"modem1"}, {}},
      {ModemResetCommand{"modem1"}, {}},
      {WanAdministrativeStateCommand{"cell1", false}, {}},
      {PinClassCommand{"bulk", "cell2", std::chrono::seconds(5)}, {}},
      {UnpinClassCommand{"bulk"}, {}},
      {SubmitAlertCommand{R"({"source": "cam1"})"}, {}},
      {ReadAuditCommand{10}, {}},
  };
  static_assert(std::variant_size_v<CommandAction> == 10, "add the new command kind to EveryCommand()");
  return commands;
}

TEST(PermissionTableTest, EveryPrincipalKindIsCovered) {
  std::map<PrincipalKind, int> seen;
  for (const auto& c : Principals()) ++seen[c.principal.kind];
  for (auto kind : kPrincipalKinds) EXPECT_GT(seen[kind], 0) << PrincipalKindName(kind);
}

TEST(PermissionTableTest, PermissionsOfEveryPrincipal) {
  auto table = Table();
  for (const auto& c : Principals()) {
    EXPECT_EQ(table.PermissionsOf(c.principal), c.expected) << c.label << ": " << table.PermissionsOf(c.principal).ToString();
  }
}

TEST(PermissionTableTest, EveryPrincipalTimesEveryCommandThroughExecute) {
  TempDir dir;
  auto audit = AuditLog::Open(dir.File("audit.sqlite"), 10000);
  ASSERT_TRUE(audit) << audit.error().message;
  FakeScheduler scheduler;
  FakeCommandTarget fake;
  CommandExecutor executor(fake.Target(), Table(), audit->get(), scheduler, {std::chrono::seconds(600), [] { return 1; }});

  int pairs = 0;
  for (const auto& c : Principals()) {
    for (const auto& command : EveryCommand()) {
      ++pairs;
      SCOPED_TRACE(std::string(c.label) + " x " + CommandName(command));
      bool allowed = c.expected.Has(RequiredPermission(command));
      fake.calls.clear();
      std::optional<CommandReply> reply;
      executor.Execute(c.principal, command, [&](const CommandReply& r) { reply = r; });
      ASSERT_TRUE(reply.has_value());
      if (allowed) {
        EXPECT_TRUE(reply->has_value()) << reply->error().message;
        EXPECT_EQ(fake.calls.size(), ChangesState(command) ? 1u : 0u);
      } else {
        ASSERT_FALSE(reply->has_value());
        EXPECT_EQ(reply->error().code, ErrorCode::kPermissionDenied);
        EXPECT_TRUE(fake.calls.empty()) << "a refused command ran";
      }
      auto last = (*audit)->Newest(1);
      ASSERT_TRUE(last && last->size() == 1);
      EXPECT_EQ(last->front().principal, c.principal.Name());
      EXPECT_EQ(last->front().command, CommandName(command));
      EXPECT_EQ(last->front().permitted, allowed);
      EXPECT_EQ(last->front().outcome, allowed ? "ok" : "permission-denied");
    }
  }
  EXPECT_EQ(pairs, 14 * 10);
}

TEST(PermissionTableTest, DefaultsFollowTheAccessGroup) {
  auto built = PermissionTable::Build({}, "uplinkd", FakeAccounts());
  EXPECT_TRUE(built.warnings.empty());
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(1000, {kGroupGid}, "")),
            (PermissionSet{Permission::kRead, Permission::kOperate, Permission::kConfigure}));
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(1000, {1000}, "")), PermissionSet{Permission::kRead});
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(0, {}, "")), PermissionSet::All());
  EXPECT_EQ(built.table.PermissionsOf(Principal::SmsKey("k", "")), PermissionSet{Permission::kRead});
}

TEST(PermissionTableTest, AMissingGroupNamesNobodyAndSaysSo) {
  auto built = PermissionTable::Build({}, "nosuchgroup", FakeAccounts());
  ASSERT_EQ(built.warnings.size(), 2u);  // operators and configurers
  EXPECT_NE(built.warnings[0].find("\"nosuchgroup\" does not exist"), std::string::npos);
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(1000, {kGroupGid}, "")), PermissionSet{Permission::kRead});
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(0, {}, "")), PermissionSet::All());
}

TEST(PermissionTableTest, RootStaysAdminEvenWithEmptyRoles) {
  config::ControlConfig config;
  config.readers = std::vector<PrincipalSelector>{};
  config.operators = std::vector<PrincipalSelector>{};
  config.configurers = std::vector<PrincipalSelector>{};
  config.admins = std::vector<PrincipalSelector>{};
  auto built = PermissionTable::Build(config, "uplinkd", FakeAccounts());
  EXPECT_EQ(built.table.PermissionsOf(Principal::LocalUser(0, {}, "")), PermissionSet::All());
  EXPECT_TRUE(built.table.PermissionsOf(Principal::LocalUser(1000, {kGroupGid}, "")).empty());
}

TEST(PermissionSetTest, AdminImpliesEverything) {
  PermissionSet admin{Permission::kAdmin};
  for (auto permission : kPermissions) EXPECT_TRUE(admin.Has(permission));
  PermissionSet reader{Permission::kRead};
  EXPECT_FALSE(reader.Has(Permission::kOperate));
  EXPECT_EQ(reader.ToString(), "read");
  EXPECT_EQ(PermissionSet{}.ToString(), "none");
  for (auto permission : kPermissions) EXPECT_EQ(ParsePermission(PermissionName(permission)), permission);
}

TEST(PrincipalSelectorTest, ParsesEveryKindAndRefusesGarbage) {
  EXPECT_EQ(Sel("*").kind, PrincipalSelector::Kind::kEveryone);
  EXPECT_EQ(Sel("uid:0").number, 0u);
  EXPECT_EQ(Sel("gid:990").kind, PrincipalSelector::Kind::kGid);
  EXPECT_EQ(Sel("group:uplinkd").name, "uplinkd");
  EXPECT_EQ(Sel("sms:key-1").kind, PrincipalSelector::Kind::kSmsKey);
  EXPECT_EQ(Sel("remote:ops@fleet").ToString(), "remote:ops@fleet");
  for (const char* bad : {"", "root", "uid:", "uid:-1", "uid:12x", "uid:99999999999", "group:", "group:a b",
                          "sms:", "sms:a\nb", "pid:1", "user:1abc\x1b"}) {
    EXPECT_FALSE(PrincipalSelector::Parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace uplinkd::control
