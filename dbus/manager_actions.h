#pragma once
// What org.uplinkd1.Manager's methods do, provided by the daemon. Each runs only after the
// caller was authorized and the arguments were validated.
#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"

namespace uplinkd::dbus {

struct ManagerActions {
  // Re-reads the configuration: the generation now running, or kInvalidArgument with the problems
  // (answered as org.uplinkd1.Error.ConfigInvalid).
  std::function<Result<uint64_t>()> reload;
  // Sets the log level by a valid name (error, warning, notice, info, debug).
  std::function<void(const std::string& level)> set_log_level;
};

}  // namespace uplinkd::dbus
