#include "daemon/instance_lock.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

class InstanceLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "instance-lock-XXXXXX";
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(InstanceLockTest, ASecondHolderIsRefusedWithTheFirstsPidUntilItLetsGo) {
  auto first = InstanceLock::Acquire(dir_);
  ASSERT_TRUE(first) << Describe(first.error());
  std::ifstream in(dir_ + "/uplinkd.lock");
  std::string pid;
  std::getline(in, pid);
  EXPECT_EQ(pid, std::to_string(::getpid()));

  // Another process (flock is per open file, so a second open in this one would do too).
  pid_t other = ::fork();
  ASSERT_GE(other, 0);
  if (other == 0) {
    auto second = InstanceLock::Acquire(dir_);
    bool refused = !second && second.error().code == ErrorCode::kUnavailable &&
                   second.error().message.find("another uplinkd (pid " + pid + ") is running with runtime directory " +
                                               dir_) != std::string::npos;
    ::_exit(refused ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(other, &status, 0), other);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the second holder was not refused as expected";

  first = MakeError(ErrorCode::kUnavailable, "released");  // the lock goes with its descriptor
  auto again = InstanceLock::Acquire(dir_);
  EXPECT_TRUE(again) << Describe(again.error());
}

TEST_F(InstanceLockTest, AStaleFileFromAKilledRunIsNoObstacle) {
  std::ofstream(dir_ + "/uplinkd.lock") << "99999999\n";  // kill -9 leaves the file, not the lock
  auto lock = InstanceLock::Acquire(dir_);
  ASSERT_TRUE(lock) << Describe(lock.error());
}

TEST_F(InstanceLockTest, ASymlinkIsNotFollowed) {
  std::filesystem::create_symlink(dir_ + "/elsewhere", dir_ + "/uplinkd.lock");
  auto lock = InstanceLock::Acquire(dir_);
  EXPECT_FALSE(lock);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/elsewhere"));
}

}  // namespace
}  // namespace uplinkd
