#pragma once
#include <string>
#include <variant>
#include <vector>

#include "base/config_issue.h"
#include "daemon/config/daemon_config.h"

namespace uplinkd::config {

// Parses and verifies a configuration file. A file with any issue is rejected as a whole, so the
// caller keeps the configuration it runs with (a bad reload never half-applies).
class ConfigLoader {
 public:
  struct Outcome {
    DaemonConfig config;
    std::vector<ConfigIssue> issues;  // empty: the config is good
    bool ok() const { return issues.empty(); }
  };

  static Outcome LoadFile(const std::string& path);
  // Parses text as if it were the file `name` (tests, and configs that arrive over the network).
  static Outcome LoadString(const std::string& text, const std::string& name);
};

}  // namespace uplinkd::config
