#include "base/descriptor_closer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace uplinkd {
namespace {

bool Kept(int fd, const int* keep, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (keep[i] == fd) return true;
  }
  return false;
}

// The kernel's record for getdents64 (glibc exposes no declaration of it).
struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

}  // namespace

DescriptorCloser::Outcome DescriptorCloser::CloseFrom(int lowest, const int* keep, size_t keep_count, Method start) {
  // Insertion sort into a stack array: no allocation after fork.
  int sorted[kMaxKept];
  size_t count = 0;
  for (size_t i = 0; i < keep_count && count < kMaxKept; ++i) {
    if (keep[i] < lowest || Kept(keep[i], sorted, count)) continue;
    size_t j = count++;
    for (; j > 0 && sorted[j - 1] > keep[i]; --j) sorted[j] = sorted[j - 1];
    sorted[j] = keep[i];
  }
  Outcome outcome;
  if (start == Method::kCloseRange) {
    if (CloseRanges(lowest, sorted, count)) return outcome;
    outcome.error = errno;
  }
  if (start != Method::kDescriptorLimit) {
    outcome.used = Method::kProcSelfFd;
    if (CloseListed(lowest, sorted, count)) return outcome;
    outcome.error = errno;
  }
  outcome.used = Method::kDescriptorLimit;
  CloseBelowLimit(lowest, sorted, count);
  return outcome;
}

bool DescriptorCloser::CloseRanges(int lowest, const int* sorted_keep, size_t keep_count) {
  unsigned first = static_cast<unsigned>(lowest);
  for (size_t i = 0; i <= keep_count; ++i) {
    unsigned last = i < keep_count ? static_cast<unsigned>(sorted_keep[i]) - 1 : ~0U;
    if (i < keep_count && static_cast<unsigned>(sorted_keep[i]) == first) {
      ++first;  // a kept descriptor right at the start of the range
      continue;
    }
    if (::syscall(SYS_close_range, first, last, 0) != 0) return false;
    if (i < keep_count) first = static_cast<unsigned>(sorted_keep[i]) + 1;
  }
  return true;
}

bool DescriptorCloser::CloseListed(int lowest, const int* sorted_keep, size_t keep_count) {
  int dir = ::open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(8) char buffer[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (n < 0) {
      int saved = errno;
      ::close(dir);
      errno = saved;
      return false;
    }
    if (n == 0) break;
    for (long offset = 0; offset < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + offset);
      offset += entry->d_reclen;
      int fd = 0;
      bool number = entry->d_name[0] != '\0';
      for (const char* c = entry->d_name; *c != '\0'; ++c) {
        if (*c < '0' || *c > '9' || fd > 100'000'000) {
          number = false;
          break;
        }
        fd = fd * 10 + (*c - '0');
      }
      // Closing while listing is safe: the listing's position is a descriptor number.
      if (number && fd >= lowest && fd != dir && !Kept(fd, sorted_keep, keep_count)) ::close(fd);
    }
  }
  ::close(dir);
  return true;
}

void DescriptorCloser::CloseBelowLimit(int lowest, const int* sorted_keep, size_t keep_count) {
  rlimit limit{};
  rlim_t highest = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    highest = limit.rlim_cur > limit.rlim_max ? limit.rlim_cur : limit.rlim_max;
  }
  // A descriptor can sit above a lowered soft limit; the hard limit bounds both. nr_open's default
  // bounds an infinite one.
  if (highest == RLIM_INFINITY || highest > (1u << 20)) highest = 1u << 20;
  for (int fd = lowest; static_cast<rlim_t>(fd) < highest; ++fd) {
    if (!Kept(fd, sorted_keep, keep_count)) ::close(fd);
  }
}

}  // namespace uplinkd
