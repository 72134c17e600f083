#pragma once
// ICMP (or ICMPv6) echo over an unprivileged "ping socket" (SOCK_DGRAM, allowed when the group is
// in net.ipv4.ping_group_range; the kernel picks the identifier and checksums) or, failing that,
// a raw socket (CAP_NET_RAW; we pick the identifier and filter replies ourselves). Either way the
// socket is bound to the Wan before the request goes out.
#include <atomic>
#include <memory>

#include "policy/health/probe_operation.h"

namespace uplinkd::policy {

// Which socket kind works here, learnt on first use and shared by a prober's probes.
struct IcmpSocketChoice {
  enum class Kind { kUntried, kPing, kRaw };
  Kind v4 = Kind::kUntried;
  Kind v6 = Kind::kUntried;
};

class IcmpEchoProbe : public ProbeOperation {
 public:
  IcmpEchoProbe(boost::asio::io_context& io, ProbeBinding binding, ProbeTarget target, Prober::Done done,
                std::shared_ptr<IcmpSocketChoice> choice, uint16_t identifier, uint16_t sequence);
  void Start() override;

 private:
  void Receive();

  std::shared_ptr<IcmpSocketChoice> choice_;
  IcmpSocketChoice::Kind kind_ = IcmpSocketChoice::Kind::kUntried;
  uint16_t identifier_;
  uint16_t sequence_;
};

}  // namespace uplinkd::policy
