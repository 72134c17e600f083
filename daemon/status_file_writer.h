#pragma once
// Publishes the daemon's state as RUNTIME_DIR/status.json, replaced atomically (write + rename) so
// a reader never sees half a file. The lab and the README's main job read it; the D-Bus API is the
// interface for programs. It holds the modems' IMEI and ICCID (identifying data), so it is not
// world-readable: mode 0640 with the [dbus] access_group as its group, or 0600 when that group
// does not exist (docs/service.md, "Files").
#include <sys/types.h>

#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace uplinkd {

class StatusFileWriter {
 public:
  explicit StatusFileWriter(std::string runtime_dir, std::optional<gid_t> group = std::nullopt);
  // Invalid UTF-8 in a string (an interface name may hold any byte) is written as U+FFFD.
  Result<void> Write(const nlohmann::json& status);
  void set_group(std::optional<gid_t> group) { group_ = group; }  // from the next Write
  void Remove();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::optional<gid_t> group_;
};

}  // namespace uplinkd
