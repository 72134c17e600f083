#pragma once
// An IpAddress and port as a sockaddr for the socket calls.
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

#include "net/ip_address.h"

namespace uplinkd::policy {

class SocketAddress {
 public:
  SocketAddress(const net::IpAddress& address, uint16_t port);
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t size() const { return size_; }
  // The address of a received packet's sender, if `from` holds one of this family.
  static bool SameHost(const sockaddr_storage& from, const net::IpAddress& address);

 private:
  sockaddr_storage storage_{};
  socklen_t size_ = 0;
};

}  // namespace uplinkd::policy
