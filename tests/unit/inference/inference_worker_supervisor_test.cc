#include "inference/inference_worker_supervisor.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
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

// What systemd gives the daemon must not reach the worker (it could notify or feed the watchdog
// as uplinkd); nor may a descriptor the daemon forgot to mark close-on-exec. Read from outside,
// in /proc, while the worker runs.
TEST_F(InferenceWorkerSupervisorTest, TheWorkerGetsOnlyItsDescriptorsAndACleanEnvironment) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  int leaked = ::dup(2);
  InferenceWorkerSupervisor supervisor(io, scheduler, Settings("printf x >&3; exec sleep 30"));
  ASSERT_TRUE(supervisor.Start());
  ::close(leaked);
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_PID");
  ::unsetenv("WATCHDOG_USEC");
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().heartbeats >= 1; }));
  std::string proc = "/proc/" + std::to_string(supervisor.pid());
  // Asleep in sleep(1): past the loader, which holds a library open for a moment while it starts.
  ASSERT_TRUE(RunUntil([&] {
    std::ifstream stat(proc + "/stat");
    std::string line;
    std::getline(stat, line);
    return line.find("(sleep) S") != std::string::npos;
  }));
  std::vector<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    fds.push_back(std::stoi(entry.path().filename().string()));
  }
  std::sort(fds.begin(), fds.end());
  std::ifstream in(proc + "/environ");
  std::vector<std::string> environment;
  for (std::string entry; std::getline(in, entry, '\0');) environment.push_back(entry);
  supervisor.Stop();
  ASSERT_TRUE(RunUntil([&] { return supervisor.state() == InferenceWorkerSupervisor::State::kStopped; }));
  EXPECT_EQ(fds, (std::vector<int>{0, 1, 2, 3}));  // stdio and the heartbeat pipe
  std::string joined;
  for (const auto& entry : environment) joined += entry + "\n";
  EXPECT_EQ(joined.find("NOTIFY_SOCKET"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("WATCHDOG_"), std::string::npos) << joined;
  EXPECT_NE(joined.find("UPLINKD_HEARTBEAT_FD=3\n"), std::string::npos) << joined;
}

// The checkout under /root (mode 0700): the worker, dropped to another uid, cannot walk the path
// to its own binary, and must still run. Changing uid needs root.
TEST_F(InferenceWorkerSupervisorTest, AWorkerUnderA0700DirectoryRunsAsItsOwnUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the worker as another uid (65534)";
  std::string pattern = ::testing::TempDir() + "supervisor-private-XXXXXX";
  std::string dir = ::mkdtemp(pattern.data());  // 0700
  std::string worker = dir + "/sh";
  std::filesystem::copy_file("/bin/sh", worker);
  auto settings = Settings("printf x >&3; exit 0");
  settings.executable = worker;
  InferenceWorkerSupervisor supervisor(io, scheduler, settings);
  ASSERT_TRUE(supervisor.Start());
  ASSERT_TRUE(RunUntil([&] { return supervisor.stats().exits == 1; }));
  supervisor.Stop();
  std::filesystem::remove_all(dir);
  EXPECT_FALSE(supervisor.last_exit()->signalled);
  EXPECT_EQ(supervisor.last_exit()->code, 0);  // 127 when exec'd by path
  EXPECT_EQ(supervisor.stats().heartbeats, 1u);
}

// When exec fails the log says why: errno, program and uid, not only "status 127".
TEST_F(InferenceWorkerSupervisorTest, AnExecFailureIsLoggedWithErrnoPathAndUid) {
  std::string pattern = ::testing::TempDir() + "supervisor-exec-XXXXXX";
  std::string dir = ::mkdtemp(pattern.data());
  ::chmod(dir.c_str(), 0755);
  std::string worker = dir + "/not-a-program";
  std::ofstream(worker) << "plain text, no #! line\n";
  ::chmod(worker.c_str(), 0755);
  auto settings = Settings("");
  settings.executable = worker;
  settings.arguments = {};
  InferenceWorkerSupervisor supervisor(io, scheduler, settings);
  ::testing::internal::CaptureStderr();
  ASSERT_TRUE(supervisor.Start());
  bool exited = RunUntil([&] { return supervisor.stats().exits == 1; });
  std::string log = ::testing::internal::GetCapturedStderr();
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(exited);
  EXPECT_EQ(supervisor.last_exit()->code, 127);
  std::string uid = ::geteuid() == 0 ? "65534" : std::to_string(::geteuid());
  std::string gid = ::geteuid() == 0 ? "65534" : std::to_string(::getegid());
  EXPECT_NE(log.find("exec failed: " + std::string(std::strerror(ENOEXEC)) + " (errno " + std::to_string(ENOEXEC) +
                     "); program " + worker + ", as uid " + uid + " gid " + gid),
            std::string::npos)
      << log;
}

TEST_F(InferenceWorkerSupervisorTest, MissingExecutableIsRetriedNotFatal) {
  auto settings = Settings("");
  settings.executable = "/nonexistent/uplinkd-infer";
  settings.arguments = {};
  InferenceWorkerSupervisor supervisor(io, scheduler, settings);
  auto started = supervisor.Start();  // the daemon opens the program before fork: it says so at once
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kNotFound);
  EXPECT_NE(started.error().message.find("/nonexistent/uplinkd-infer"), std::string::npos) << started.error().message;
  EXPECT_EQ(supervisor.stats().spawn_failures, 1u);
  EXPECT_EQ(supervisor.state(), InferenceWorkerSupervisor::State::kBackingOff);
  ASSERT_TRUE(scheduler.RunNext());  // and tries again after the back-off
  EXPECT_EQ(supervisor.stats().spawn_failures, 2u);
}

TEST(WorkerEnvironmentTest, OnlyTheAllowListAndTheHeartbeatReachTheWorker) {
  const char* daemon[] = {"NOTIFY_SOCKET=/run/systemd/notify", "WATCHDOG_PID=1", "WATCHDOG_USEC=20000000",
                          "HOME=/root", "PATH=/root/bin:/usr/bin", "LANG=C.UTF-8", "TZ=UTC",
                          "INVOCATION_ID=abc", "LANGUAGE=x", nullptr};
  WorkerSupervisorSettings settings;
  settings.heartbeat_interval = milliseconds(250);
  settings.extra_environment = {"UPLINKD_INFER_DEBUG=1"};
  EXPECT_EQ(InferenceWorkerSupervisor::WorkerEnvironment(daemon, settings),
            (std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "TZ=UTC",
                                      "UPLINKD_HEARTBEAT_FD=3", "UPLINKD_HEARTBEAT_MS=250",
                                      "UPLINKD_INFER_DEBUG=1"}));
}

}  // namespace
}  // namespace uplinkd::inference
