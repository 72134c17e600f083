#pragma once
// TrafficControlEdge on the kernel, through libnl-route-3 (qdisc, class and HTB calls) on one
// rtnetlink socket, which belongs to the network namespace of the thread that calls Create().
// libnl stays inside the .cc file.
#include <memory>

#include "net/traffic_control_edge.h"

struct nl_sock;

namespace uplinkd::net {

class LibnlTrafficControlEdge : public TrafficControlEdge {
 public:
  static Result<std::unique_ptr<LibnlTrafficControlEdge>> Create();
  ~LibnlTrafficControlEdge() override;
  LibnlTrafficControlEdge(const LibnlTrafficControlEdge&) = delete;
  LibnlTrafficControlEdge& operator=(const LibnlTrafficControlEdge&) = delete;

  Result<void> ApplyHtb(const HtbTree& tree) override;
  Result<void> RemoveHtb(const std::string& interface, uint16_t major) override;
  Result<std::optional<HtbTree>> ReadHtb(const std::string& interface, uint16_t major) override;
  Result<std::vector<HtbLaneCounters>> ReadCounters(const std::string& interface, uint16_t major) override;

 private:
  explicit LibnlTrafficControlEdge(nl_sock* socket) : socket_(socket) {}

  nl_sock* socket_;
};

}  // namespace uplinkd::net
