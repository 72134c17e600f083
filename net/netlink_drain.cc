#include "net/netlink_drain.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <cerrno>

namespace uplinkd::net {

int DrainNetlinkSocket(int fd, std::vector<char>& buffer, const NetlinkDrainHandlers& handlers) {
  while (!handlers.stopped()) {
    ssize_t length = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (length < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      if (errno == ENOBUFS) {
        handlers.overflow();
        continue;
      }
      return errno;
    }
    // Each message as NLMSG_OK/NLMSG_NEXT walk them (without their signed/unsigned mix).
    auto size = static_cast<size_t>(length);
    size_t offset = 0;
    while (!handlers.stopped() && offset + sizeof(nlmsghdr) <= size) {
      auto* header = reinterpret_cast<nlmsghdr*>(buffer.data() + offset);
      if (header->nlmsg_len < sizeof(nlmsghdr) || header->nlmsg_len > size - offset) break;
      handlers.message(header);
      offset += NLMSG_ALIGN(header->nlmsg_len);
    }
  }
  return 0;
}

}  // namespace uplinkd::net
