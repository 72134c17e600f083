#pragma once
// Who sent a D-Bus call, as the bus itself reports it (never what the caller claims).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"

namespace uplinkd::dbus {

struct CallerCredentials {
  std::string sender;  // unique bus name, ":1.42"
  uint32_t uid = 0;
  std::optional<uint32_t> pid;
  // The process's groups, when the bus reports them (dbus-daemon >= 1.11 does: UnixGroupIDs).
  std::optional<std::vector<uint32_t>> gids;
};

// Looks up a sender's credentials without blocking the event loop: the answer comes later.
class CallerCredentialsSource {
 public:
  using Callback = std::function<void(Result<CallerCredentials>)>;
  virtual ~CallerCredentialsSource() = default;
  virtual void Lookup(const std::string& sender, Callback done) = 0;
};

}  // namespace uplinkd::dbus
