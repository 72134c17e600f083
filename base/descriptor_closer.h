#pragma once
// Closes every descriptor from `lowest` up except a few kept ones, in a forked child before exec.
// close_range(2) first; kernels before 5.9 (OpenWrt 21.02's 5.4) answer ENOSYS, and then each
// open descriptor listed in /proc/self/fd is closed, or, without /proc, every number below the
// descriptor limit. Async-signal-safe: no allocation, only system calls.
#include <fcntl.h>

#include <cstddef>

namespace uplinkd {

class DescriptorCloser {
 public:
  // Which way to start; later ways are the fallbacks of earlier ones. Tests force a fallback.
  enum class Method { kCloseRange, kProcSelfFd, kDescriptorLimit };
  struct Outcome {
    Method used = Method::kCloseRange;  // the way that closed them
    int error = 0;                      // 0, or the errno of the last way that failed
  };

  // `keep` holds descriptors >= lowest that stay open (at most kMaxKept, any order).
  static Outcome CloseFrom(int lowest, const int* keep, size_t keep_count, Method start = Method::kCloseRange);
  static constexpr size_t kMaxKept = 16;

  // For descriptors a library made without O_CLOEXEC (libmosquitto's, libnfnetlink's, Asio's).
  static bool MarkCloseOnExec(int fd) {
    int flags = ::fcntl(fd, F_GETFD);
    return flags >= 0 && ((flags & FD_CLOEXEC) != 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0);
  }

 private:
  static bool CloseRanges(int lowest, const int* sorted_keep, size_t keep_count);
  static bool CloseListed(int lowest, const int* sorted_keep, size_t keep_count);
  static void CloseBelowLimit(int lowest, const int* sorted_keep, size_t keep_count);
};

}  // namespace uplinkd
