#include "dbus/bus_principal_source.h"

namespace uplinkd::dbus {

void BusPrincipalSource::Identify(const std::string& sender, std::function<void(control::Principal)> done) {
  credentials_.Lookup(sender, [this, sender, done = std::move(done)](Result<CallerCredentials> caller) {
    done(PrincipalOf(sender, caller));
  });
}

control::Principal BusPrincipalSource::PrincipalOf(const std::string& sender,
                                                   const Result<CallerCredentials>& caller) const {
  if (!caller) return control::Principal::Unidentified(caller.error().message, "dbus " + sender);
  std::string via = "dbus " + sender;
  if (caller->pid) via += " pid " + std::to_string(*caller->pid);
  return control::Principal::LocalUser(caller->uid, caller->gids ? *caller->gids : groups_of_user_(caller->uid), via);
}

}  // namespace uplinkd::dbus
