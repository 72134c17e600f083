#pragma once
#include <string>

namespace uplinkd::config {

// One problem found in a configuration file, located as file:line so an operator can fix it.
struct ConfigIssue {
  std::string file;
  int line = 0;  // 0: the file as a whole
  std::string message;

  std::string ToString() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
  }
};

}  // namespace uplinkd::config
