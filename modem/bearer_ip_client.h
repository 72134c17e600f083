#pragma once
// The helper process that gives a connected bearer its IP configuration when ModemManager leaves
// that to the host: a DHCP client on the data interface (bearer method DHCP) or pppd on the
// serial port (method PPP; ModemManager never runs pppd itself). The supervisor starts one per
// connected bearer and stops it when the bearer, the registration or the modem goes away.
//
// Real implementation: ProcessBearerIpClientLauncher (busybox udhcpc / pppd as child processes,
// their exit watched with a pidfd on the io_context). Fake: FakeBearerIpClientLauncher.
//
// Listener calls always come later from the event loop, never from inside Start(), and never
// after the client has been destroyed.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/result.h"
#include "modem/modem_wan_state.h"

namespace uplinkd::modem {

enum class BearerIpClientKind { kDhcp, kPpp };

struct BearerIpClientRequest {
  BearerIpClientKind kind = BearerIpClientKind::kDhcp;
  std::string modem_name;  // "modem1": log prefix and the name of its runtime files
  // DHCP: the data interface (wwan0). PPP: ModemManager's bearer Interface, the port ("ttyUSB2",
  // or an absolute path such as the test session's socket).
  std::string interface;
  uint32_t ppp_unit = 0;  // PPP: pppd's unit, so its interface is pppN
  std::string user;       // PPP: the APN user for PAP/CHAP; empty: none
  std::string password;   // PPP: read from the profile's file at use; written to a 0600 options file
  friend bool operator==(const BearerIpClientRequest&, const BearerIpClientRequest&) = default;
};

// What the helper learnt.
struct BearerIpLease {
  std::string interface;  // DHCP: the data interface; PPP: pppN
  BearerIpConfig ipv4;    // PPP: the local address as /32, the peer as gateway
  // true: the helper configured the interface itself (pppd does); false: uplinkd applies the
  // address and MTU through the RoutingEdge (the DHCP lease: our udhcpc script only reports).
  bool applied_by_client = false;
  friend bool operator==(const BearerIpLease&, const BearerIpLease&) = default;
};

class BearerIpClient {
 public:
  struct Listener {
    // A lease was bound or renewed with different values; the ppp link has its addresses.
    std::function<void(const BearerIpLease&)> configured;
    // The configuration went away (lease expired or NAKed) but the helper runs on and retries.
    std::function<void(const std::string& reason)> lost;
    // The helper process ended without being asked to: the session is over.
    std::function<void(const std::string& reason)> exited;
  };
  // Destroying a client stops its process (SIGTERM, later SIGKILL) without blocking the loop.
  virtual ~BearerIpClient() = default;
};

class BearerIpClientLauncher {
 public:
  virtual ~BearerIpClientLauncher() = default;
  virtual Result<std::unique_ptr<BearerIpClient>> Start(const BearerIpClientRequest& request,
                                                        BearerIpClient::Listener listener) = 0;
};

const char* BearerIpClientKindName(BearerIpClientKind kind);  // "dhcp" | "ppp"

}  // namespace uplinkd::modem
