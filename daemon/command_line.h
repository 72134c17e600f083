#pragma once
#include <optional>
#include <string>

#include "base/result.h"

namespace uplinkd {

// uplinkd's command line. Values given here override the configuration file's, on every reload.
struct CommandLine {
  std::string config_path = "/etc/uplinkd/uplinkd.toml";
  bool config_path_given = false;
  std::optional<std::string> check_config_path;  // --check-config FILE: validate and exit
  std::optional<std::string> bus;                // --bus ADDRESS
  std::optional<std::string> state_dir;
  std::optional<std::string> runtime_dir;
  std::optional<std::string> log_level;
  bool help = false;
  bool version = false;

  static Result<CommandLine> Parse(int argc, const char* const* argv);
  static const char* Usage();
};

}  // namespace uplinkd
