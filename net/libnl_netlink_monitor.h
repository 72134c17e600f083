#pragma once
// NetlinkMonitor on the kernel: an rtnetlink socket subscribed to link and address groups,
// watched by the daemon's io_context (a posix::stream_descriptor waiting for readability), read
// without ever blocking, with messages decoded by libnl. It dumps links and then addresses at
// start, and again whenever the kernel reports that it dropped events (ENOBUFS) or a dump was
// interrupted. The socket belongs to the network namespace of the thread that calls Start().
#include <memory>

#include <boost/asio/io_context.hpp>

#include "net/netlink_monitor.h"

namespace uplinkd::net {

class LibnlNetlinkMonitor : public NetlinkMonitor {
 public:
  struct Options {
    // Room for bursts of events (a modem re-plugged, many addresses) before the kernel drops them.
    int receive_buffer_bytes = 1 << 20;
  };

  explicit LibnlNetlinkMonitor(boost::asio::io_context& io);
  LibnlNetlinkMonitor(boost::asio::io_context& io, Options options);
  ~LibnlNetlinkMonitor() override;

  Result<void> Start(NetlinkHandlers handlers) override;
  void Stop() override;

  // How many times the kernel reported lost events (each leads to a fresh dump of everything).
  int resync_count() const { return resync_count_; }

 private:
  class Session;

  boost::asio::io_context& io_;
  Options options_;
  std::shared_ptr<Session> session_;
  int resync_count_ = 0;
};

}  // namespace uplinkd::net
