#pragma once
// Test support: a DNS server on loopback that never answers (the resolver of a dead Wan).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>

namespace uplinkd {

// A UDP socket on 127.0.0.1 that nobody reads: a DNS server that never answers.
class StuckDnsServer {
 public:
  StuckDnsServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t size = sizeof(address);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~StuckDnsServer() { ::close(fd_); }
  std::string server() const { return "127.0.0.1:" + std::to_string(port_); }
  // Queries that reached it (drained).
  int Received() {
    std::array<char, 1500> buffer{};
    int count = 0;
    while (::recv(fd_, buffer.data(), buffer.size(), 0) >= 0) ++count;
    return count;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace uplinkd
