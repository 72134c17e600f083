#pragma once
// The read loop both netlink monitors share (LibnlNetlinkMonitor, LibmnlNftablesMonitor): take
// every datagram a non-blocking netlink socket holds now, without blocking the loop.
#include <functional>
#include <vector>

struct nlmsghdr;

namespace uplinkd::net {

struct NetlinkDrainHandlers {
  std::function<bool()> stopped;                  // checked before each datagram and message
  std::function<void(nlmsghdr*)> message;         // each message of each datagram, in order
  std::function<void()> overflow;                 // ENOBUFS: the kernel dropped messages; reading goes on
};

// Returns 0 once the socket is empty (or stopped), else the errno of a failed receive.
int DrainNetlinkSocket(int fd, std::vector<char>& buffer, const NetlinkDrainHandlers& handlers);

}  // namespace uplinkd::net
