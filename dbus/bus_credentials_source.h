#pragma once
// CallerCredentialsSource on a real bus: org.freedesktop.DBus.GetConnectionCredentials, called
// asynchronously on the daemon's own connection (the bus daemon vouches for the answer).
#include <functional>
#include <memory>

#include "dbus/caller_credentials.h"

namespace sdbus {
class IConnection;
class IProxy;
}  // namespace sdbus

namespace uplinkd::dbus {

class BusCredentialsSource final : public CallerCredentialsSource {
 public:
  // `kick` wakes the event loop's D-Bus bridge after a call is queued.
  BusCredentialsSource(sdbus::IConnection& connection, std::function<void()> kick);
  ~BusCredentialsSource() override;

  void Lookup(const std::string& sender, Callback done) override;

 private:
  std::unique_ptr<sdbus::IProxy> bus_;
  std::function<void()> kick_;
};

}  // namespace uplinkd::dbus
