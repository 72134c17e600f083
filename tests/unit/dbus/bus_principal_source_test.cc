#include "dbus/bus_principal_source.h"

#include <map>

#include <gtest/gtest.h>

namespace uplinkd::dbus {
namespace {

// Answers lookups when told to, like the bus answering later.
class FakeCredentialsSource final : public CallerCredentialsSource {
 public:
  void Lookup(const std::string& sender, Callback done) override { pending_.emplace(sender, std::move(done)); }
  void Answer(const std::string& sender, Result<CallerCredentials> answer) {
    auto done = std::move(pending_.at(sender));
    pending_.erase(sender);
    done(std::move(answer));
  }
  size_t pending() const { return pending_.size(); }

 private:
  std::map<std::string, Callback> pending_;
};

std::vector<uint32_t> UserDatabase(uint32_t uid) { return uid == 1000 ? std::vector<uint32_t>{1000, 990} : std::vector<uint32_t>{}; }

TEST(BusPrincipalSourceTest, NamesThePrincipalOnlyOnceTheBusHasAnswered) {
  FakeCredentialsSource source;
  BusPrincipalSource principals(source, UserDatabase);
  std::optional<control::Principal> named;
  principals.Identify(":1.9", [&](control::Principal p) { named = std::move(p); });
  EXPECT_FALSE(named);
  EXPECT_EQ(source.pending(), 1u);
  source.Answer(":1.9", CallerCredentials{":1.9", 1001, 77, std::vector<uint32_t>{1001, 990}});
  ASSERT_TRUE(named);
  EXPECT_EQ(named->kind, control::PrincipalKind::kLocalUser);
  EXPECT_EQ(named->uid, 1001u);
  EXPECT_EQ(named->gids, (std::vector<uint32_t>{1001, 990}));
  EXPECT_EQ(named->via, "dbus :1.9 pid 77");
  EXPECT_EQ(named->Name(), "uid:1001");
}

TEST(BusPrincipalSourceTest, WithoutTheBussGroupsTheUserDatabaseSays) {
  FakeCredentialsSource source;
  BusPrincipalSource principals(source, UserDatabase);
  auto principal = principals.PrincipalOf(":1.4", CallerCredentials{":1.4", 1000, std::nullopt, std::nullopt});
  EXPECT_EQ(principal.gids, (std::vector<uint32_t>{1000, 990}));
  EXPECT_EQ(principal.via, "dbus :1.4");
  // Reported groups win, even when empty: they are what the process really has.
  principal = principals.PrincipalOf(":1.4", CallerCredentials{":1.4", 1000, 5, std::vector<uint32_t>{}});
  EXPECT_TRUE(principal.gids.empty());
}

TEST(BusPrincipalSourceTest, AnUnknownCallerIsUnidentified) {
  FakeCredentialsSource source;
  BusPrincipalSource principals(source, UserDatabase);
  auto principal = principals.PrincipalOf(":1.9", MakeError(ErrorCode::kUnavailable, "NameHasNoOwner"));
  EXPECT_EQ(principal.kind, control::PrincipalKind::kUnidentified);
  EXPECT_EQ(principal.id, "NameHasNoOwner");
  EXPECT_EQ(principal.Name(), "unidentified");
}

}  // namespace
}  // namespace uplinkd::dbus
