#include "policy/health/bound_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "policy/health/socket_address.h"

namespace uplinkd::policy {

Result<int> BoundSocket::Open(const ProbeBinding& binding, net::IpFamily family, int type, int protocol) {
  int domain = family == net::IpFamily::kV4 ? AF_INET : AF_INET6;
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return MakeError(ErrorCode::kSystem, "socket", errno);
  auto fail = [fd](const char* what) {
    int saved = errno;
    ::close(fd);
    return MakeError(saved == EPERM || saved == EACCES ? ErrorCode::kPermissionDenied : ErrorCode::kSystem, what,
                     saved);
  };
  if (!binding.interface.empty() &&
      ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, binding.interface.c_str(),
                   static_cast<socklen_t>(binding.interface.size())) != 0) {
    return fail("SO_BINDTODEVICE");
  }
  if (binding.mark != 0 && ::setsockopt(fd, SOL_SOCKET, SO_MARK, &binding.mark, sizeof(binding.mark)) != 0) {
    return fail("SO_MARK");
  }
  const auto& source = family == net::IpFamily::kV4 ? binding.source_v4 : binding.source_v6;
  if (source) {
    if (source->family() != family) {
      ::close(fd);
      return MakeError(ErrorCode::kInvalidArgument, "source address of the wrong family");
    }
    SocketAddress address(*source, 0);
    if (::bind(fd, address.get(), address.size()) != 0) return fail("bind to the source address");
  }
  return fd;
}

}  // namespace uplinkd::policy
