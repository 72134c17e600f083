#pragma once
// Names the principal of a D-Bus call for the command layer: asks the bus daemon who the sender
// is (asynchronously; the loop never waits) and makes a local-user principal of the answer, with
// the process's groups as the bus saw them when it connected (UnixGroupIDs), or, when the bus does
// not report them, the user database's groups of the uid, which is what the bus's policy file
// goes by. A sender the bus cannot identify becomes an unidentified principal, which the
// permission table refuses (and the refusal is audited).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "control/principal.h"
#include "dbus/caller_credentials.h"

namespace uplinkd::dbus {

class BusPrincipalSource {
 public:
  using GroupsOfUser = std::function<std::vector<uint32_t>(uint32_t uid)>;
  BusPrincipalSource(CallerCredentialsSource& credentials, GroupsOfUser groups_of_user)
      : credentials_(credentials), groups_of_user_(std::move(groups_of_user)) {}

  void Identify(const std::string& sender, std::function<void(control::Principal)> done);

  // The principal for an answer of the bus (pure; what Identify hands on).
  control::Principal PrincipalOf(const std::string& sender, const Result<CallerCredentials>& caller) const;

 private:
  CallerCredentialsSource& credentials_;
  GroupsOfUser groups_of_user_;
};

}  // namespace uplinkd::dbus
