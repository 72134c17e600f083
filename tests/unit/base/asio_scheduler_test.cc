#include "base/asio_scheduler.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <thread>
#include <gtest/gtest.h>

namespace uplinkd {
namespace {

using std::chrono::milliseconds;

TEST(AsioSchedulerTest, RunsAfterTheDelay) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  bool fired = false;
  auto handle = scheduler.RunAfter(milliseconds(1), [&] { fired = true; });
  io.run();
  EXPECT_TRUE(fired);
}

// A timer that has expired has its completion queued on the loop; cancelling its handle from a
// handler that runs first must still stop the callback (asio's own cancel() cannot).
TEST(AsioSchedulerTest, CancelAfterExpiryBeforeDispatchStopsTheCallback) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  TimerHandle victim;
  bool victim_fired = false;
  // Expires first (an earlier deadline), so its completion is dispatched first.
  boost::asio::steady_timer canceller(io, std::chrono::steady_clock::now());
  canceller.async_wait([&](const boost::system::error_code&) { victim.Cancel(); });
  victim = scheduler.RunAfter(milliseconds(0), [&] { victim_fired = true; });
  // Both deadlines pass before the loop looks, so one reactor pass queues both completions.
  std::this_thread::sleep_for(milliseconds(5));
  io.run();
  EXPECT_FALSE(victim_fired);
}

TEST(AsioSchedulerTest, DroppedHandleNeverFires) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  bool fired = false;
  { auto dropped = scheduler.RunAfter(milliseconds(0), [&] { fired = true; }); }
  io.run();
  EXPECT_FALSE(fired);
}

TEST(AsioSchedulerTest, HandleOutlivesAFiredTimer) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io);
  int fired = 0;
  auto handle = scheduler.RunAfter(milliseconds(0), [&] { ++fired; });
  io.run();
  handle.Cancel();  // harmless after firing
  EXPECT_EQ(fired, 1);
}

}  // namespace
}  // namespace uplinkd
