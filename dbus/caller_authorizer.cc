#include "dbus/caller_authorizer.h"

namespace uplinkd::dbus {
namespace {

std::string Describe(const CallerCredentials& caller) {
  std::string text = "uid " + std::to_string(caller.uid);
  if (caller.pid) text += " pid " + std::to_string(*caller.pid);
  return text + " (" + caller.sender + ")";
}

}  // namespace

CallerAuthorizer::CallerAuthorizer(CallerCredentialsSource& source, MutationAccessPolicy policy)
    : source_(source), policy_(std::move(policy)) {}

void CallerAuthorizer::Authorize(const std::string& sender, const std::string& action, Decision done) {
  source_.Lookup(sender, [this, sender, action, done = std::move(done)](Result<CallerCredentials> caller) {
    if (!caller) {
      log_.Warning("refused {} from {}: cannot learn who the caller is: {}", action, sender, caller.error().message);
      done(MakeError(ErrorCode::kUnavailable, "cannot learn who the caller is: " + caller.error().message));
      return;
    }
    if (auto refusal = policy_.Refusal(*caller)) {
      log_.Warning("refused {} from {}: {}", action, Describe(*caller), *refusal);
      done(MakeError(ErrorCode::kPermissionDenied, *refusal));
      return;
    }
    log_.Notice("{} by {}", action, Describe(*caller));
    done(std::move(*caller));
  });
}

}  // namespace uplinkd::dbus
