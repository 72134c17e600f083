#pragma once
// Follows pppd's log lines (pppd with `nodetach` logs to its stdout) and assembles what the PPP
// link got: the interface (`Using interface ppp0`), the local and peer addresses and the DNS
// servers the peer offered (`local  IP address ...`, `remote IP address ...`, `primary   DNS
// address ...`). pppd has already put the addresses on the interface when it logs them (IPCP up),
// so the result is reported with applied_by_client set.
#include <optional>
#include <string>
#include <string_view>

#include "modem/bearer_ip_client.h"

namespace uplinkd::modem {

class PppdLogReader {
 public:
  // Returns true when the line changed what Lease() describes.
  bool Feed(std::string_view line);
  // The link's configuration once the interface and the local address are known.
  std::optional<BearerIpLease> Lease() const;
  const std::string& interface() const { return interface_; }

 private:
  std::string interface_;
  std::optional<net::IpAddress> local_;
  std::optional<net::IpAddress> remote_;
  std::optional<net::IpAddress> dns1_;
  std::optional<net::IpAddress> dns2_;
};

}  // namespace uplinkd::modem
