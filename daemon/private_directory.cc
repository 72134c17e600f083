#include "daemon/private_directory.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace uplinkd {
namespace {

Result<void> CheckExisting(const std::string& path, const struct stat& info) {
  if (!S_ISDIR(info.st_mode)) return MakeError(ErrorCode::kInvalidArgument, path + " exists and is not a directory");
  if ((info.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("refusing {}: it is group- or world-writable (mode {:04o}); give uplinkd a "
                                 "directory of its own", path, info.st_mode & 07777));
  }
  if (info.st_uid != ::geteuid() && info.st_uid != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("refusing {}: it belongs to uid {}, not to us or root", path, info.st_uid));
  }
  return {};
}

}  // namespace

Result<void> PrivateDirectory::Ensure(const std::string& path, mode_t mode_when_created) {
  if (path.empty() || path[0] != '/') return MakeError(ErrorCode::kInvalidArgument, "a directory needs an absolute path");
  struct stat info{};
  if (::stat(path.c_str(), &info) == 0) return CheckExisting(path, info);
  if (errno != ENOENT) return MakeError(ErrorCode::kSystem, fmt::format("stat {}: {}", path, std::strerror(errno)), errno);
  // Create each missing component; only those get a mode from us (chmod: the umask is not ours).
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string part = path.substr(0, slash);
    bool last = slash == std::string::npos || slash + 1 >= path.size();
    mode_t mode = last ? mode_when_created : 0755;
    if (!part.empty() && ::mkdir(part.c_str(), mode) == 0) {
      if (::chmod(part.c_str(), mode) != 0) {
        return MakeError(ErrorCode::kSystem, fmt::format("chmod {}: {}", part, std::strerror(errno)), errno);
      }
    } else if (!part.empty() && errno != EEXIST) {
      return MakeError(ErrorCode::kSystem, fmt::format("create directory {}: {}", part, std::strerror(errno)), errno);
    } else if (last) {
      // Someone made it between our stat and mkdir: judge it as an existing one.
      if (::stat(path.c_str(), &info) != 0) return MakeError(ErrorCode::kSystem, "stat " + path, errno);
      return CheckExisting(path, info);
    }
    if (last) return {};
  }
}

}  // namespace uplinkd
