#include "daemon/status_file_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace uplinkd {

StatusFileWriter::StatusFileWriter(std::string runtime_dir, std::optional<gid_t> group)
    : path_(std::move(runtime_dir) + "/status.json"), group_(group) {}

Result<void> StatusFileWriter::Write(const nlohmann::json& status) {
  std::string text = status.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::string temporary = path_ + ".new";
  ::unlink(temporary.c_str());  // a leftover (kill -9) keeps its old owner and mode otherwise
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "open " + temporary, errno);
  // Group first, then the group's read bit: never readable by a group it was not meant for.
  if (group_ && (::fchown(fd, static_cast<uid_t>(-1), *group_) != 0 || ::fchmod(fd, 0640) != 0)) {
    int saved = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    return MakeError(ErrorCode::kSystem, "set the group of " + temporary, saved);
  }
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      return MakeError(ErrorCode::kSystem, "write " + temporary, saved);
    }
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  // The runtime directory is tmpfs: no fsync; rename alone makes the swap atomic for readers.
  if (std::rename(temporary.c_str(), path_.c_str()) != 0) {
    return MakeError(ErrorCode::kSystem, "rename " + path_, errno);
  }
  return {};
}

void StatusFileWriter::Remove() { ::unlink(path_.c_str()); }

}  // namespace uplinkd
