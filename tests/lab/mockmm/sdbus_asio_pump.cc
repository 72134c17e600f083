#include "tests/lab/mockmm/sdbus_asio_pump.h"

#include <poll.h>

#include <limits>

#include <boost/asio/post.hpp>
#include <sdbus-c++/IConnection.h>

namespace uplinkd::lab {

SdbusAsioPump::SdbusAsioPump(boost::asio::io_context& io, sdbus::IConnection& connection)
    : io_(io), connection_(connection), descriptor_(io), timeout_(io) {}

SdbusAsioPump::~SdbusAsioPump() {
  stopped_ = true;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  timeout_.cancel();
  // The fd belongs to the sd-bus connection, not to us.
  if (descriptor_.is_open()) descriptor_.release();
}

void SdbusAsioPump::Start() {
  descriptor_.assign(connection_.getEventLoopPollData().fd);
  Process();
}

void SdbusAsioPump::Kick() {
  if (kick_posted_ || stopped_) return;
  kick_posted_ = true;
  boost::asio::post(io_, [this] {
    kick_posted_ = false;
    if (!stopped_) Process();
  });
}

void SdbusAsioPump::Process() {
  // Each call dispatches at most one message; drain until sd-bus has nothing left to do.
  while (connection_.processPendingRequest()) {
  }
  Arm();
}

void SdbusAsioPump::Arm() {
  if (stopped_) return;
  sdbus::IConnection::PollData poll_data = connection_.getEventLoopPollData();
  if ((poll_data.events & POLLIN) && !read_armed_) {
    read_armed_ = true;
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& error) {
      read_armed_ = false;
      if (!error && !stopped_) Process();
    });
  }
  if ((poll_data.events & POLLOUT) && !write_armed_) {
    write_armed_ = true;
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_write, [this](const boost::system::error_code& error) {
      write_armed_ = false;
      if (!error && !stopped_) Process();
    });
  }
  if (poll_data.timeout_usec != std::numeric_limits<uint64_t>::max()) {
    // sd-bus reports an absolute CLOCK_MONOTONIC time, the clock std::chrono::steady_clock reads.
    timeout_.expires_at(std::chrono::steady_clock::time_point(std::chrono::microseconds(poll_data.timeout_usec)));
    timeout_.async_wait([this](const boost::system::error_code& error) {
      if (!error && !stopped_) Process();
    });
  }
}

}  // namespace uplinkd::lab
