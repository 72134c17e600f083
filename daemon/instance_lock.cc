#include "daemon/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace uplinkd {

Result<InstanceLock> InstanceLock::Acquire(const std::string& runtime_dir) {
  std::string path = runtime_dir + "/uplinkd.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return MakeError(ErrorCode::kSystem, fmt::format("open {}: {}", path, std::strerror(errno)), errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int saved = errno;
    char holder[32] = {};
    ssize_t n = ::pread(fd, holder, sizeof holder - 1, 0);
    ::close(fd);
    if (saved != EWOULDBLOCK) {
      return MakeError(ErrorCode::kSystem, fmt::format("lock {}: {}", path, std::strerror(saved)), saved);
    }
    std::string pid;
    for (ssize_t i = 0; i < n && holder[i] >= '0' && holder[i] <= '9'; ++i) pid += holder[i];
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("another uplinkd{} is running with runtime directory {} (it holds {}); "
                                 "stop it first, or give this one another --runtime-dir",
                                 pid.empty() ? "" : " (pid " + pid + ")", runtime_dir, path));
  }
  // Who holds it, for the message above and for people: informative only, the lock is the flock.
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    int saved = errno;
    ::close(fd);
    return MakeError(ErrorCode::kSystem, fmt::format("write {}: {}", path, std::strerror(saved)), saved);
  }
  return InstanceLock(fd, std::move(path));
}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);  // the file stays: removing it would race a starting successor
}

}  // namespace uplinkd
