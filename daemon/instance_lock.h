#pragma once
// One uplinkd per runtime directory: an exclusive flock on RUNTIME_DIR/uplinkd.lock, taken before
// any kernel, bus or modem side effect, held until the process exits (the kernel drops it even
// after kill -9). A second uplinkd started by hand then stops with a clear message instead of
// replacing the running one's nftables table and binding its modems.
#include <string>

#include "base/result.h"

namespace uplinkd {

class InstanceLock {
 public:
  // kUnavailable with the holder's pid when another process holds it.
  static Result<InstanceLock> Acquire(const std::string& runtime_dir);
  InstanceLock(InstanceLock&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) { other.fd_ = -1; }
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  InstanceLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::string path_;
};

}  // namespace uplinkd
