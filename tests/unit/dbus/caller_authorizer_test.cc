#include "dbus/caller_authorizer.h"

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

MutationAccessPolicy Policy() {
  return MutationAccessPolicy("uplinkd", 990u, [](uint32_t) { return std::vector<uint32_t>{}; });
}

TEST(CallerAuthorizerTest, DecidesOnlyOnceTheBusHasAnswered) {
  FakeCredentialsSource source;
  CallerAuthorizer authorizer(source, Policy());
  std::optional<Result<CallerCredentials>> decision;
  authorizer.Authorize(":1.9", "Manager.Reload", [&](Result<CallerCredentials> d) { decision = std::move(d); });
  EXPECT_FALSE(decision);
  EXPECT_EQ(source.pending(), 1u);
  source.Answer(":1.9", CallerCredentials{":1.9", 1000, 77, std::vector<uint32_t>{990}});
  ASSERT_TRUE(decision);
  ASSERT_TRUE(*decision);
  EXPECT_EQ((*decision)->uid, 1000u);
}

TEST(CallerAuthorizerTest, RefusesOutsidersWithPermissionDenied) {
  FakeCredentialsSource source;
  CallerAuthorizer authorizer(source, Policy());
  std::optional<Result<CallerCredentials>> decision;
  authorizer.Authorize(":1.9", "Manager.Reload", [&](Result<CallerCredentials> d) { decision = std::move(d); });
  source.Answer(":1.9", CallerCredentials{":1.9", 65534, 77, std::vector<uint32_t>{65534}});
  ASSERT_TRUE(decision);
  ASSERT_FALSE(*decision);
  EXPECT_EQ(decision->error().code, ErrorCode::kPermissionDenied);
}

TEST(CallerAuthorizerTest, RefusesWhenTheBusCannotSayWhoCalls) {
  FakeCredentialsSource source;
  CallerAuthorizer authorizer(source, Policy());
  std::optional<Result<CallerCredentials>> decision;
  authorizer.Authorize(":1.9", "Manager.Reload", [&](Result<CallerCredentials> d) { decision = std::move(d); });
  source.Answer(":1.9", MakeError(ErrorCode::kUnavailable, "NameHasNoOwner"));
  ASSERT_TRUE(decision);
  ASSERT_FALSE(*decision);
  EXPECT_EQ(decision->error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace uplinkd::dbus
