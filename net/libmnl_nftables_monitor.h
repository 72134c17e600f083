#pragma once
// NftablesMonitor on the kernel: a libmnl netfilter socket subscribed to NFNLGRP_NFTABLES, watched
// by the daemon's io_context and read without blocking. Each notification names its table and
// carries the netlink port of the process whose transaction caused it; those of the ports in
// `ignore_portids` (uplinkd's own LibnftnlEdge) are skipped. The tables one transaction touched
// are reported once, at the transaction's closing NFT_MSG_NEWGEN. If the kernel drops
// notifications (ENOBUFS), a change of "any table" is reported. The socket belongs to the network
// namespace of the thread that calls Start().
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/nftables_monitor.h"

namespace uplinkd::net {

class LibmnlNftablesMonitor : public NftablesMonitor {
 public:
  struct Options {
    std::vector<uint32_t> ignore_portids;
    int receive_buffer_bytes = 1 << 20;  // `flush ruleset` of a large ruleset is one notification per rule
  };

  LibmnlNftablesMonitor(boost::asio::io_context& io, Options options);
  ~LibmnlNftablesMonitor() override;

  Result<void> Start(std::function<void(const NftTableChange&)> on_change) override;
  void Stop() override;

 private:
  class Session;
  boost::asio::io_context& io_;
  Options options_;
  std::shared_ptr<Session> session_;
};

}  // namespace uplinkd::net
