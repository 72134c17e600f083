#include "daemon/status_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace uplinkd {

StatusFileWriter::StatusFileWriter(std::string runtime_dir) : path_(std::move(runtime_dir) + "/status.json") {}

Result<void> StatusFileWriter::Write(const nlohmann::json& status) {
  std::string text = status.dump(2) + "\n";
  std::string temporary = path_ + ".new";
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "open " + temporary, errno);
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
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
