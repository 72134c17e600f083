#pragma once
// Decides whether the sender of a mutating call may make it: asks the bus who the sender is
// (asynchronously), applies the MutationAccessPolicy, and logs the outcome once: refusals as
// warnings, permitted changes as notices (the audit trail of who changed what).
#include <functional>
#include <string>

#include "base/logger.h"
#include "dbus/caller_credentials.h"
#include "dbus/mutation_access_policy.h"

namespace uplinkd::dbus {

class CallerAuthorizer {
 public:
  using Decision = std::function<void(Result<CallerCredentials>)>;

  CallerAuthorizer(CallerCredentialsSource& source, MutationAccessPolicy policy);

  // `action` names the call for the log ("Manager.Reload"). `done` gets the caller's
  // credentials, or kPermissionDenied with the reason, or kUnavailable when the bus could not say
  // who the sender is (refused too: never allow an unknown caller).
  void Authorize(const std::string& sender, const std::string& action, Decision done);

  void set_policy(MutationAccessPolicy policy) { policy_ = std::move(policy); }
  const MutationAccessPolicy& policy() const { return policy_; }

 private:
  CallerCredentialsSource& source_;
  MutationAccessPolicy policy_;
  Logger log_{LogModule::kDbus};
};

}  // namespace uplinkd::dbus
