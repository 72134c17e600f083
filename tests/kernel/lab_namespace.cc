#include "tests/kernel/lab_namespace.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace uplinkd::lab {

namespace {
std::string& Reason() {
  static std::string reason;
  return reason;
}
}  // namespace

const std::string& LabUnavailableReason() { return Reason(); }

bool EnterFreshNetworkNamespace() {
  if (!Reason().empty()) return false;
  if (::geteuid() != 0) {
    Reason() = "kernel lab tests need root (CAP_NET_ADMIN and CAP_SYS_ADMIN for unshare(CLONE_NEWNET))";
    return false;
  }
  if (::unshare(CLONE_NEWNET) != 0) {
    Reason() = std::string("unshare(CLONE_NEWNET) failed: ") + std::strerror(errno);
    return false;
  }
  return true;
}

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    if (output) output->append(buffer, n);
  }
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace uplinkd::lab
