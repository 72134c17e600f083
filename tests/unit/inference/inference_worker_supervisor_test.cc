#include "inference/inference_worker_supervisor.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"

namespace uplinkd::inference {
namespace {

using std::chrono::milliseconds;

// Real children, fake clock: exits and heartbeats arrive on the io_context, back-off and the
// watchdog move only when the test advances the FakeScheduler.
class InferenceWorkerSupervisorTest : public ::testing::Test {
 protected:
  WorkerSupervisorSettings Settings(std::string script) {
    WorkerSupervisorSettings settings;
    settings.executable = "/bin/sh";
    settings.arguments = {"-c", std::move(script)};
    if (::geteuid() == 0) {
      settings.uid = 65534;
      settings.gid = 65534;
    }
    settings.first_backoff = milliseconds(500);
    settings.max_backoff = milliseconds(2000);
    settings.heartbeat_timeout = milliseconds(200);
    settings.startup_grace = milliseconds(1000);
    settings.stable_after = milliseconds(10'000);
    return settings;
  }
  // Runs the loop until `done`; the real-time deadline only guards against a hang.
  bool RunUntil(const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();  // the loop stops whenever it runs out of work between children
      io.run_for(milliseconds(5));
    }
    return true;
  }

  boost::asio::io_context io;
  FakeScheduler scheduler;
};

TEST_F(InferenceWorkerSupervisorTest, RestartsAnExitedChildWithDoublingBoundedBackoff) {
  InferenceWorkerSupervisor supervisor(io, scheduler, Settings("exit 3"));
  ASSERT_TRUE(supervisor.Start());
  std::vector<milliseconds> delays;
  for (int start = 1; start <= 4; ++start) {
    ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == static_cast<uint64_t>(start); }));
    EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kBackingOff);
    ASSERT_TRUE(supervisor.last_exit());
    EXPECT_FALSE(supervisor.last_exit()->signalled);
    EXPECT_EQ(supervisor.last_exit()->code, 3);
    // Find the restart delay on the fake clock: nothing before it, a new child at it.
    SteadyTime before = scheduler.Now();
    ASSERT_TRUE(scheduler.RunNext());
    delays.push_back(std::chrono::duration_cast<milliseconds>(scheduler.Now() - before));
    EXPECT_EQ(supervisor.stats().starts, static_cast<uint64_t>(start + 1));
  }
  EXPECT_EQ(delays, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000),
                                               milliseconds(2000)}));
  supervisor.Stop();
  ASSERT_TRUE(RunUntil([&] { return supervisor.state() == InferenceWorkerSupervisor::State::kStopped; }));
}

TEST_F(InferenceWorkerSupervisorTest, BackoffResetsAfterAStableRun) {
  auto settings = Settings("exit 0");
  InferenceWorkerSupervisor supervisor(io, scheduler, settings);
  ASSERT_TRUE(supervisor.Start());
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 1; }));
  ASSERT_TRUE(scheduler.RunNext());  // restart after 500 ms; next back-off would be 1000 ms
  scheduler.AdvanceBy(milliseconds(10'000));  // the second child "ran" for 10 s of fake time
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 2; }));
  EXPECT_EQ(supervisor.current_backoff(), milliseconds(1000));  // 500 was taken, reset then doubled
  supervisor.Stop();
}

TEST_F(InferenceWorkerSupervisorTest, WatchdogKillsAChildWhoseHeartbeatStops) {
  // One heartbeat, then silence (a hung worker).
  InferenceWorkerSupervisor supervisor(io, scheduler, Settings("printf x >&3; exec sleep 30"));
  ASSERT_TRUE(supervisor.Start());
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().heartbeats >= 1; }));
  scheduler.AdvanceBy(milliseconds(199));
  EXPECT_EQ(supervisor.stats().watchdog_kills, 0u);
  scheduler.AdvanceBy(milliseconds(1));
  EXPECT_EQ(supervisor.stats().watchdog_kills, 1u);
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 1; }));
  EXPECT_TRUE(supervisor.last_exit()->signalled);
  EXPECT_EQ(supervisor.last_exit()->code, SIGKILL);
  EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kBackingOff);
}

TEST_F(InferenceWorkerSupervisorTest, RegularHeartbeatsKeepTheChildAlive) {
  InferenceWorkerSupervisor supervisor(io, scheduler,
                                       Settings("while :; do printf x >&3 || exit 1; sleep 0.02; done"));
  ASSERT_TRUE(supervisor.Start());
  for (uint64_t beats = 1; beats <= 4; ++beats) {
    ASSERT_TRUE(RunUntil([&] { return supervisor.stats().heartbeats >= beats; }));
    scheduler.AdvanceBy(milliseconds(150));  // 600 ms in all, but never 200 without a beat
  }
  EXPECT_EQ(supervisor.stats().watchdog_kills, 0u);
  EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kRunning);
  supervisor.Stop();
  ASSERT_TRUE(RunUntil([&] { return supervisor.state() == InferenceWorkerSupervisor::State::kStopped; }));
  EXPECT_EQ(scheduler.pending(), 0u);  // no restart after a requested stop
}

TEST_F(InferenceWorkerSupervisorTest, StopEscalatesToSigkillWhenTermIsIgnored) {
  InferenceWorkerSupervisor supervisor(io, scheduler, Settings("trap '' TERM; printf x >&3; while :; do sleep 1; done"));
  ASSERT_TRUE(supervisor.Start());
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().heartbeats >= 1; }));  // the trap is set
  supervisor.Stop();
  io.restart();
  io.run_for(milliseconds(50));
  EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kStopping);
  scheduler.AdvanceBy(milliseconds(3000));
  ASSERT_TRUE(RunUntil([&] { return supervisor.state() == InferenceWorkerSupervisor::State::kStopped; }));
  EXPECT_TRUE(supervisor.last_exit()->signalled);
  EXPECT_EQ(supervisor.last_exit()->code, SIGKILL);
}

TEST_F(InferenceWorkerSupervisorTest, ChildIsConfined) {
  std::string dir = ::testing::TempDir() + "/supervisor-" + std::to_string(::getpid());
  ::mkdir(dir.c_str(), 0777);
  ::chmod(dir.c_str(), 0777);  // the child may run as nobody
  std::string out = dir + "/confinement";
  InferenceWorkerSupervisor supervisor(
      io, scheduler,
      Settings("{ grep NoNewPrivs /proc/self/status; ulimit -n; id -u; echo fd=$UPLINKD_HEARTBEAT_FD; "
               "ls /proc/self/fd | wc -l; } > " + out + "; exit 0"));
  ASSERT_TRUE(supervisor.Start());
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 1; }));
  supervisor.Stop();
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  std::string expected_uid = ::geteuid() == 0 ? "65534" : std::to_string(::geteuid());
  EXPECT_NE(text.str().find("NoNewPrivs:\t1"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\n256\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\n" + expected_uid + "\n"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("fd=3"), std::string::npos) << text.str();
  std::remove(out.c_str());
  ::rmdir(dir.c_str());
}

TEST_F(InferenceWorkerSupervisorTest, MissingExecutableIsRetriedNotFatal) {
  auto settings = Settings("");
  settings.executable = "/nonexistent/uplinkd-infer";
  settings.arguments = {};
  InferenceWorkerSupervisor supervisor(io, scheduler, settings);
  ASSERT_TRUE(supervisor.Start());  // fork succeeds; exec fails in the child
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 1; }));
  EXPECT_EQ(supervisor.last_exit()->code, 127);
  EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kBackingOff);
}

}  // namespace
}  // namespace uplinkd::inference
