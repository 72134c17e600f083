#pragma once
// HostResolver on c-ares, driven by the io_context: c-ares opens its own non-blocking DNS sockets,
// tells us which to watch (ARES_OPT_SOCK_STATE_CB), and we watch them with
// posix::stream_descriptor and a timer for its retransmissions. One c-ares channel per
// resolution, so each carries its own servers and source (a Wan's DNS, bound to that Wan).
//
// Every resolution ends by `timeout` at the latest (kTimeout naming the host and servers), so a
// resolver that never answers costs the caller time, never the loop. Creating a channel reads
// /etc/resolv.conf and /etc/hosts when no servers are given (small local files).
#include <chrono>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "base/host_resolver.h"
#include "base/scheduler.h"

namespace uplinkd {

class CaresHostResolver : public HostResolver {
 public:
  struct Settings {
    std::chrono::milliseconds timeout{5000};  // the whole resolution, all servers and tries
    std::chrono::milliseconds try_timeout{1000};  // c-ares' first per-try timeout (it doubles)
    int tries = 3;
  };
  // `io` and `scheduler` must outlive the resolver and every resolution it starts.
  CaresHostResolver(boost::asio::io_context& io, Scheduler& scheduler, Settings settings);
  CaresHostResolver(boost::asio::io_context& io, Scheduler& scheduler)
      : CaresHostResolver(io, scheduler, Settings{}) {}

  std::unique_ptr<PendingResolution> Resolve(const ResolveRequest& request, ResolveCallback done) override;

 private:
  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  Settings settings_;
};

}  // namespace uplinkd
