#pragma once
// One path the alert relay keeps a broker session on: the daemon computes these from the policy's
// decision (one per Wan that can reach the broker) and hands them to AlertRelay::SetRoutes.
#include <string>

#include "relay/mqtt_session.h"

namespace uplinkd::relay {

struct RelayRoute {
  std::string wan;        // the Wan's name; the key of its session
  // bind_address: the Wan's IPv4 source address (the policy's nftables rule pins a socket bound to
  // it to that Wan); bind_device optional. Mark and priority here override AlertRelay's common ones.
  SocketOptions socket;
  // true for the Wan on the alert path, and for every route when every usable Wan is degraded
  // (duplication). false: the session stays connected as a hot standby and publishes nothing new.
  bool publishing = false;
  friend bool operator==(const RelayRoute&, const RelayRoute&) = default;
};

}  // namespace uplinkd::relay
