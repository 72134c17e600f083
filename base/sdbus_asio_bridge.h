#pragma once
// Drives an sdbus-c++ connection from the daemon's io_context: waits on the bus fd (and sd-bus's
// own timeout) with asio and calls processPendingRequest() when there is work, so every D-Bus
// callback runs on the one event-loop thread and sdbus-c++ needs no thread of its own.
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sdbus {
class IConnection;
}

namespace uplinkd {

class SdbusAsioBridge {
 public:
  SdbusAsioBridge(boost::asio::io_context& io, sdbus::IConnection& connection);
  ~SdbusAsioBridge();
  SdbusAsioBridge(const SdbusAsioBridge&) = delete;
  SdbusAsioBridge& operator=(const SdbusAsioBridge&) = delete;

  void Start();
  // Re-reads what sd-bus waits for. Call after queueing a message or an async call from outside a
  // D-Bus callback: sd-bus may now want to write, or have an earlier reply timeout.
  void Kick();
  void Stop();

 private:
  void Arm();
  void Process();

  boost::asio::io_context& io_;
  sdbus::IConnection& connection_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer timeout_;
  bool stopped_ = true;
  bool kick_posted_ = false;
  // Bumped on every re-arm, so handlers of a superseded wait do nothing.
  uint64_t generation_ = 0;
};

}  // namespace uplinkd
