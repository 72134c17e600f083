#pragma once
// A temporary directory per test, removed afterwards.
#include <stdlib.h>

#include <filesystem>
#include <string>

namespace uplinkd::relay {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "uplinkd-relay-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : "";
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace uplinkd::relay
