#include "base/sdbus_asio_bridge.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/post.hpp>
#include <sdbus-c++/IConnection.h>

#include "base/logger.h"

namespace uplinkd {

SdbusAsioBridge::SdbusAsioBridge(boost::asio::io_context& io, sdbus::IConnection& connection)
    : io_(io), connection_(connection), descriptor_(io), timeout_(io) {}

SdbusAsioBridge::~SdbusAsioBridge() { Stop(); }

void SdbusAsioBridge::Start() {
  stopped_ = false;
  // Our own copy for Asio to own, close-on-exec: the connection is authenticated as root, and a
  // child (the unprivileged inference worker) must never inherit it.
  int fd = ::fcntl(connection_.getEventLoopPollData().fd, F_DUPFD_CLOEXEC, 3);
  if (fd < 0) {
    Logger(LogModule::kDbus).Error("cannot watch the D-Bus connection: dup: {}", std::strerror(errno));
    return;
  }
  descriptor_.assign(fd);
  Process();  // messages may already be queued from before the loop ran
}

void SdbusAsioBridge::Stop() {
  if (stopped_) return;
  stopped_ = true;
  ++generation_;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  descriptor_.close(ignored);
  timeout_.cancel();
}

void SdbusAsioBridge::Kick() {
  if (stopped_ || kick_posted_) return;
  kick_posted_ = true;
  boost::asio::post(io_, [this] {
    kick_posted_ = false;
    if (!stopped_) Process();
  });
}

void SdbusAsioBridge::Process() {
  try {
    while (connection_.processPendingRequest()) {
    }
  } catch (const std::exception& error) {
    // A handler that throws must not take the daemon down; it is logged once here.
    Logger(LogModule::kDbus).Error("D-Bus dispatch failed: {}", error.what());
  }
  Arm();
}

void SdbusAsioBridge::Arm() {
  if (stopped_) return;
  uint64_t generation = ++generation_;
  boost::system::error_code ignored;
  descriptor_.cancel(ignored);
  timeout_.cancel();

  auto poll = connection_.getEventLoopPollData();
  auto on_event = [this, generation](const boost::system::error_code& error) {
    if (error || stopped_ || generation != generation_) return;
    Process();
  };
  if (poll.events & POLLIN) descriptor_.async_wait(boost::asio::posix::descriptor::wait_read, on_event);
  if (poll.events & POLLOUT) descriptor_.async_wait(boost::asio::posix::descriptor::wait_write, on_event);
  if (auto relative = poll.getRelativeTimeout()) {
    timeout_.expires_after(*relative);
    timeout_.async_wait(on_event);
  }
}

}  // namespace uplinkd
