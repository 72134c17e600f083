#pragma once
// One DHCP event as our udhcpc script reports it on udhcpc's stdout: a line
//   uplinkd-udhcpc event=bound interface=wwan0 ip=A subnet=M mask=N router=R1,R2 dns=D1,D2 mtu=U lease=S
// (udhcpc's own log lines do not start with the tag and are not events). The script changes
// nothing on the system: uplinkd applies the lease itself through the RoutingEdge.
#include <optional>
#include <string>
#include <string_view>

#include "modem/modem_wan_state.h"

namespace uplinkd::modem {

inline constexpr std::string_view kUdhcpcEventTag = "uplinkd-udhcpc";

struct UdhcpcEvent {
  // busybox udhcpc's script argument: deconfig | bound | renew | leasefail | nak
  std::string event;
  std::string interface;
  std::optional<BearerIpConfig> lease;  // bound / renew with a valid ip and subnet
  friend bool operator==(const UdhcpcEvent&, const UdhcpcEvent&) = default;
};

// nullopt: not one of our lines (udhcpc's own output) or malformed.
std::optional<UdhcpcEvent> ParseUdhcpcEvent(std::string_view line);

// The script udhcpc runs (-s); written by the launcher into its runtime directory.
std::string UdhcpcEventScript();

}  // namespace uplinkd::modem
