#pragma once
// The runtime and state directories: created with the given mode when missing (parents 0755);
// an existing one keeps its mode (uplinkd never chmods what it did not create: runtime_dir =
// "/tmp" must not become 0755), and is refused when group- or world-writable or owned by another
// user, since others could then replace status.json, the lock or the sockets in it.
#include <sys/types.h>

#include <string>

#include "base/result.h"

namespace uplinkd {

class PrivateDirectory {
 public:
  static Result<void> Ensure(const std::string& path, mode_t mode_when_created);
};

}  // namespace uplinkd
