#pragma once
// Drives an sdbus-c++ connection from a Boost.Asio io_context: one thread, one loop, no sdbus
// thread. The connection's fd and timeout come from getEventLoopPollData(); every handler that
// may have queued outgoing messages must Kick() the pump so they get flushed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

namespace sdbus {
class IConnection;
}

namespace uplinkd::lab {

class SdbusAsioPump {
 public:
  SdbusAsioPump(boost::asio::io_context& io, sdbus::IConnection& connection);
  ~SdbusAsioPump();
  SdbusAsioPump(const SdbusAsioPump&) = delete;
  SdbusAsioPump& operator=(const SdbusAsioPump&) = delete;

  // Processes what is pending now and waits for more.
  void Start();
  // Schedules a processing pass soon (after the current handler): call after sending anything
  // outside a bus callback, e.g. from a timer.
  void Kick();

 private:
  void Process();
  void Arm();

  boost::asio::io_context& io_;
  sdbus::IConnection& connection_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer timeout_;
  bool read_armed_ = false;
  bool write_armed_ = false;
  bool kick_posted_ = false;
  bool stopped_ = false;
};

}  // namespace uplinkd::lab
