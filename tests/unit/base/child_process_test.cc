#include "base/child_process.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

using Method = DescriptorCloser::Method;

// Lists the descriptors of the shell itself ($$), not of ls (which holds one open to read).
const std::vector<std::string> kListDescriptors = {"/bin/sh", "-c", "ls /proc/$$/fd"};

struct Outcome {
  std::vector<std::string> lines;
  std::optional<ChildProcess::ExitStatus> exit;
};

// Runs `options` to its exit on a loop of its own; the deadline only guards against a hang.
Outcome RunToExit(ChildProcess::Options options) {
  boost::asio::io_context io;
  Outcome outcome;
  ChildProcess::Handlers handlers;
  handlers.line = [&](const std::string& line) { outcome.lines.push_back(line); };
  handlers.exited = [&](const ChildProcess::ExitStatus& status) { outcome.exit = status; };
  auto child = ChildProcess::Spawn(io, std::move(options), std::move(handlers));
  if (!child) {
    ADD_FAILURE() << Describe(child.error());
    return outcome;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!outcome.exit && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(outcome.exit) << "the child did not exit in 10 s";
  return outcome;
}

// Descriptors the parent forgot to mark close-on-exec (as the D-Bus bridge's dup() once was).
class LeakyDescriptors {
 public:
  LeakyDescriptors() {
    fds_.push_back(::dup(2));
    fds_.push_back(::open("/dev/null", O_RDONLY));
    fds_.push_back(::socket(AF_UNIX, SOCK_DGRAM, 0));
    fds_.push_back(::fcntl(2, F_DUPFD, 200));  // a high number, far from the others
    for (int fd : fds_) EXPECT_GE(fd, 0);
  }
  ~LeakyDescriptors() {
    for (int fd : fds_) ::close(fd);
  }

 private:
  std::vector<int> fds_;
};

class TempDir {
 public:
  TempDir() {
    std::string pattern = ::testing::TempDir() + "child-process-XXXXXX";
    path_ = ::mkdtemp(pattern.data());  // mode 0700, like /root
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text, mode_t mode) const {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    ::chmod(file.c_str(), mode);
    return file;
  }

 private:
  std::string path_;
};

class DescriptorsTest : public ::testing::TestWithParam<Method> {};

TEST_P(DescriptorsTest, OnlyTheStandardDescriptorsReachTheChild) {
  LeakyDescriptors leaks;
  ChildProcess::Options options;
  options.argv = kListDescriptors;
  options.close_method = GetParam();
  auto outcome = RunToExit(options);
  EXPECT_EQ(outcome.lines, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_P(DescriptorsTest, AskedForDescriptorsArePlacedAndNothingElse) {
  LeakyDescriptors leaks;
  int pipe_fds[2];
  ASSERT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
  ChildProcess::Options options;
  options.argv = {"/bin/sh", "-c", "echo hello >&5; ls /proc/$$/fd"};
  options.descriptors = {{pipe_fds[1], 5}};
  options.close_method = GetParam();
  auto outcome = RunToExit(options);
  ::close(pipe_fds[1]);
  EXPECT_EQ(outcome.lines, (std::vector<std::string>{"0", "1", "2", "5"}));
  char text[16] = {};
  EXPECT_EQ(::read(pipe_fds[0], text, sizeof text), 6);
  EXPECT_STREQ(text, "hello\n");
  ::close(pipe_fds[0]);
}

INSTANTIATE_TEST_SUITE_P(EachWayOfClosing, DescriptorsTest,
                         ::testing::Values(Method::kCloseRange, Method::kProcSelfFd, Method::kDescriptorLimit));

// A kernel before 5.9 for real: a seccomp filter makes close_range answer ENOSYS in a forked
// copy of this test, which then spawns through the helper as the daemon would.
TEST(ChildProcessTest, WithoutCloseRangeTheChildStillSeesOnlyItsStandardDescriptors) {
  int result[2];
  ASSERT_EQ(::pipe2(result, O_CLOEXEC), 0);
  pid_t tester = ::fork();
  ASSERT_GE(tester, 0);
  if (tester == 0) {
    ::close(result[0]);
    sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
      ::_exit(3);
    }
    if (::syscall(SYS_close_range, 1000, 1001, 0) == 0 || errno != ENOSYS) ::_exit(4);
    LeakyDescriptors leaks;
    auto outcome = RunToExit(ChildProcess::Options{.argv = kListDescriptors});
    std::string text;
    for (const auto& line : outcome.lines) text += line + " ";
    ssize_t ignored = ::write(result[1], text.data(), text.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(result[1]);
  std::string text;
  pollfd ready{result[0], POLLIN, 0};
  char buffer[256];
  while (::poll(&ready, 1, 10'000) == 1) {
    ssize_t n = ::read(result[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(result[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(tester, &status, 0), tester);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0) << "3: no seccomp filter, 4: close_range still answered";
  EXPECT_EQ(text, "0 1 2 ");
}

// DescriptorCloser itself, in a forked copy of this test: each way closes all but the kept ones,
// and close_range's ENOSYS (a filter, as above) falls back to /proc/self/fd.
int CloseAndReport(DescriptorCloser::Method method, bool without_close_range) {
  pid_t tester = ::fork();
  if (tester == 0) {
    if (without_close_range) {
      sock_filter filter[] = {
          BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
          BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
          BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      };
      sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
          ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program) != 0) {
        ::_exit(10);
      }
    }
    int low = ::dup(2), kept = ::fcntl(2, F_DUPFD, 100), high = ::fcntl(2, F_DUPFD, 300);
    int keep[] = {kept};
    auto outcome = DescriptorCloser::CloseFrom(3, keep, 1, method);
    bool closed = ::fcntl(low, F_GETFD) < 0 && ::fcntl(high, F_GETFD) < 0;
    bool left = ::fcntl(kept, F_GETFD) >= 0 && ::fcntl(2, F_GETFD) >= 0;
    if (!closed || !left) ::_exit(11);
    ::_exit(static_cast<int>(outcome.used) + (outcome.error == ENOSYS ? 20 : 0));
  }
  int status = 0;
  if (tester < 0 || ::waitpid(tester, &status, 0) != tester || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(DescriptorCloserTest, EachWayClosesAllButTheKeptOnes) {
  EXPECT_EQ(CloseAndReport(Method::kCloseRange, false), static_cast<int>(Method::kCloseRange));
  EXPECT_EQ(CloseAndReport(Method::kProcSelfFd, false), static_cast<int>(Method::kProcSelfFd));
  EXPECT_EQ(CloseAndReport(Method::kDescriptorLimit, false), static_cast<int>(Method::kDescriptorLimit));
}

TEST(DescriptorCloserTest, WithoutCloseRangeItFallsBackToProcSelfFd) {
  EXPECT_EQ(CloseAndReport(Method::kCloseRange, true), 20 + static_cast<int>(Method::kProcSelfFd));
}

TEST(ChildProcessTest, TheEnvironmentIsExactlyTheOneGiven) {
  ::setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
  ::setenv("WATCHDOG_USEC", "1000000", 1);
  auto outcome = RunToExit(ChildProcess::Options{.argv = {"/usr/bin/env"}, .environment = {"PATH=/bin", "A=b"}});
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(outcome.lines, (std::vector<std::string>{"PATH=/bin", "A=b"}));
}

TEST(ChildProcessTest, AnExecFailureNamesTheStepTheErrnoTheProgramAndTheUser) {
  TempDir dir;
  // Executable bits but no program inside (and no "#!"): execveat answers ENOEXEC.
  std::string program = dir.Write("not-a-program", "just text\n", 0755);
  auto outcome = RunToExit(ChildProcess::Options{.argv = {program}});
  ASSERT_TRUE(outcome.exit);
  EXPECT_EQ(outcome.exit->code, 127);
  std::string expected = "exec failed: " + std::string(std::strerror(ENOEXEC)) + " (errno " +
                         std::to_string(ENOEXEC) + "); program " + program + ", as uid " +
                         std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
  EXPECT_EQ(outcome.exit->setup_failure, expected);
  EXPECT_EQ(ChildProcess::Describe(*outcome.exit), "exit status 127: " + expected);
}

TEST(ChildProcessTest, AMissingOrNonExecutableProgramFailsToStart) {
  boost::asio::io_context io;
  TempDir dir;
  auto missing = ChildProcess::Spawn(io, {dir.path() + "/nothing"}, {}, {});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto plain = ChildProcess::Spawn(io, {dir.Write("plain", "#!/bin/sh\n", 0644)}, {}, {});
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code, ErrorCode::kPermissionDenied);
}

// The checkout under /root (0700): a child running as another user cannot walk the path, but
// runs the program the daemon opened. Needs root to change user.
class OtherUserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run the child as another uid (65534)";
    ASSERT_EQ(::stat(dir_.path().c_str(), &info_), 0);
    ASSERT_EQ(info_.st_mode & 0777, 0700u);
  }
  ChildProcess::Options AsNobody(std::vector<std::string> argv) {
    ChildProcess::Options options;
    options.argv = std::move(argv);
    options.uid = 65534;
    options.gid = 65534;
    return options;
  }
  TempDir dir_;
  struct stat info_{};
};

TEST_F(OtherUserTest, ABinaryUnderA0700DirectoryRunsAsAnotherUser) {
  std::filesystem::copy_file("/usr/bin/id", dir_.path() + "/id");
  auto outcome = RunToExit(AsNobody({dir_.path() + "/id", "-u"}));
  ASSERT_TRUE(outcome.exit);
  EXPECT_EQ(outcome.exit->code, 0) << ChildProcess::Describe(*outcome.exit);
  EXPECT_EQ(outcome.lines, std::vector<std::string>{"65534"});
}

TEST_F(OtherUserTest, AScriptUnderA0700DirectoryRunsAsAnotherUserWithoutSupplementaryGroups) {
  // A script is read by its interpreter through /dev/fd/N: that one descriptor stays open for it.
  std::string script = dir_.Write("script", "#!/bin/sh\necho \"$(id -u) $(id -G)\"\n", 0755);
  auto outcome = RunToExit(AsNobody({script}));
  ASSERT_TRUE(outcome.exit);
  EXPECT_EQ(outcome.exit->code, 0) << ChildProcess::Describe(*outcome.exit);
  EXPECT_EQ(outcome.lines, std::vector<std::string>{"65534 65534"});
}

TEST_F(OtherUserTest, AProgramTheUserMayNotExecuteIsReportedWithErrnoPathAndUid) {
  std::filesystem::copy_file("/usr/bin/id", dir_.path() + "/id");
  ::chmod((dir_.path() + "/id").c_str(), 0700);  // root's alone
  auto outcome = RunToExit(AsNobody({dir_.path() + "/id"}));
  ASSERT_TRUE(outcome.exit);
  EXPECT_EQ(outcome.exit->code, 127);
  EXPECT_EQ(outcome.exit->setup_failure, "exec failed: " + std::string(std::strerror(EACCES)) + " (errno " +
                                             std::to_string(EACCES) + "); program " + dir_.path() +
                                             "/id, as uid 65534 gid 65534");
}

}  // namespace
}  // namespace uplinkd
