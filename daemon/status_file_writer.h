#pragma once
// Publishes the daemon's state as RUNTIME_DIR/status.json, replaced atomically (write + rename) so
// a reader never sees half a file. The lab and the README's main job read it; the D-Bus API is the
// interface for programs.
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "base/result.h"

namespace uplinkd {

class StatusFileWriter {
 public:
  explicit StatusFileWriter(std::string runtime_dir);
  Result<void> Write(const nlohmann::json& status);
  void Remove();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace uplinkd
