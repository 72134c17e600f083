#include "dbus/bus_credentials_source.h"

#include <chrono>
#include <map>

#include <sdbus-c++/sdbus-c++.h>

namespace uplinkd::dbus {
namespace {

constexpr std::chrono::seconds kLookupTimeout{5};

Result<CallerCredentials> Parse(const std::string& sender, const std::map<std::string, sdbus::Variant>& reply) {
  CallerCredentials caller;
  caller.sender = sender;
  auto uid = reply.find("UnixUserID");
  if (uid == reply.end() || !uid->second.containsValueOfType<uint32_t>()) {
    return MakeError(ErrorCode::kUnavailable, "the bus did not report the caller's user id");
  }
  caller.uid = uid->second.get<uint32_t>();
  if (auto pid = reply.find("ProcessID"); pid != reply.end() && pid->second.containsValueOfType<uint32_t>()) {
    caller.pid = pid->second.get<uint32_t>();
  }
  if (auto gids = reply.find("UnixGroupIDs");
      gids != reply.end() && gids->second.containsValueOfType<std::vector<uint32_t>>()) {
    caller.gids = gids->second.get<std::vector<uint32_t>>();
  }
  return caller;
}

}  // namespace

BusCredentialsSource::BusCredentialsSource(sdbus::IConnection& connection, std::function<void()> kick)
    : bus_(sdbus::createProxy(connection, "org.freedesktop.DBus", "/org/freedesktop/DBus")), kick_(std::move(kick)) {
  bus_->finishRegistration();
}

// Destroying the proxy drops pending lookups: their callbacks never run.
BusCredentialsSource::~BusCredentialsSource() = default;

void BusCredentialsSource::Lookup(const std::string& sender, Callback done) {
  try {
    bus_->callMethodAsync("GetConnectionCredentials")
        .onInterface("org.freedesktop.DBus")
        .withTimeout(kLookupTimeout)
        .withArguments(sender)
        .uponReplyInvoke([sender, done](const sdbus::Error* error, const std::map<std::string, sdbus::Variant>& reply) {
          if (error) {
            done(MakeError(ErrorCode::kUnavailable, error->getName() + ": " + error->getMessage()));
            return;
          }
          done(Parse(sender, reply));
        });
  } catch (const sdbus::Error& error) {
    done(MakeError(ErrorCode::kUnavailable, error.getName() + ": " + error.getMessage()));
    return;
  }
  kick_();
}

}  // namespace uplinkd::dbus
