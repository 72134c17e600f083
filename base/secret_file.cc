#include "base/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fmt/format.h>

namespace uplinkd {
namespace {

constexpr size_t kMaxSecretBytes = 4096;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<std::string> ReadSecretFile(const std::string& path) {
  if (path.empty()) return MakeError(ErrorCode::kInvalidArgument, "no secret file configured");
  // O_NOFOLLOW and fstat on the opened descriptor: the checks apply to the file actually read.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    int error = errno;
    return MakeError(error == ELOOP ? ErrorCode::kPermissionDenied : ErrorCode::kSystem,
                     fmt::format("cannot open secret file {}", path), error);
  }
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) {
    return MakeError(ErrorCode::kSystem, fmt::format("cannot stat secret file {}", path), errno);
  }
  if (!S_ISREG(info.st_mode)) {
    return MakeError(ErrorCode::kPermissionDenied, fmt::format("secret file {} is not a regular file", path));
  }
  if ((info.st_mode & 077) != 0) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("secret file {} has mode {:04o}; it must be 0600 or 0400", path,
                                 info.st_mode & 07777));
  }
  if (info.st_uid != 0 && info.st_uid != ::geteuid()) {
    return MakeError(ErrorCode::kPermissionDenied,
                     fmt::format("secret file {} is owned by uid {}; it must be root or uid {}", path,
                                 info.st_uid, ::geteuid()));
  }
  std::string content;
  char buffer[512];
  while (content.size() <= kMaxSecretBytes) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kSystem, fmt::format("cannot read secret file {}", path), errno);
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  if (content.size() > kMaxSecretBytes) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("secret file {} is too large", path));
  }
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r' ||
                              content.back() == ' ' || content.back() == '\t')) {
    content.pop_back();
  }
  if (content.empty()) {
    return MakeError(ErrorCode::kInvalidArgument, fmt::format("secret file {} is empty", path));
  }
  return content;
}

}  // namespace uplinkd
