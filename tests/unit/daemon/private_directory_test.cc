#include "daemon/private_directory.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

class PrivateDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "private-directory-XXXXXX";
    dir_ = ::mkdtemp(pattern.data());
    old_umask_ = ::umask(077);  // ours must not shape what we create
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::filesystem::remove_all(dir_);
  }
  static mode_t Mode(const std::string& path) {
    struct stat info{};
    EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
  }
  std::string dir_;
  mode_t old_umask_ = 0;
};

TEST_F(PrivateDirectoryTest, WhatItCreatesGetsTheModeParentsGet0755) {
  ASSERT_TRUE(PrivateDirectory::Ensure(dir_ + "/a/b/run", 0755));
  EXPECT_EQ(Mode(dir_ + "/a"), 0755u);
  EXPECT_EQ(Mode(dir_ + "/a/b"), 0755u);
  EXPECT_EQ(Mode(dir_ + "/a/b/run"), 0755u);
  ASSERT_TRUE(PrivateDirectory::Ensure(dir_ + "/state/", 0700));
  EXPECT_EQ(Mode(dir_ + "/state"), 0700u);
}

TEST_F(PrivateDirectoryTest, AnExistingDirectoryKeepsItsMode) {
  std::string existing = dir_ + "/existing";
  ASSERT_EQ(::mkdir(existing.c_str(), 0750), 0);
  ::chmod(existing.c_str(), 0750);
  ASSERT_TRUE(PrivateDirectory::Ensure(existing, 0700));
  EXPECT_EQ(Mode(existing), 0750u);  // was chmod'ed to 0700 before
  ASSERT_TRUE(PrivateDirectory::Ensure(existing, 0755));
  EXPECT_EQ(Mode(existing), 0750u);
}

// runtime_dir = "/tmp": it used to become 0755. Now: refused, and its mode untouched.
TEST_F(PrivateDirectoryTest, AGroupOrWorldWritableDirectoryIsRefusedAndLeftAlone) {
  for (mode_t mode : {01777, 0777, 0775, 0757}) {
    std::string shared = dir_ + "/shared";
    ASSERT_EQ(::mkdir(shared.c_str(), 0700), 0);
    ::chmod(shared.c_str(), mode);
    auto ensured = PrivateDirectory::Ensure(shared, 0755);
    ASSERT_FALSE(ensured) << std::oct << mode;
    EXPECT_EQ(ensured.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(ensured.error().message.find("group- or world-writable"), std::string::npos) << ensured.error().message;
    EXPECT_EQ(Mode(shared), mode);
    ::rmdir(shared.c_str());
  }
}

TEST_F(PrivateDirectoryTest, AFileInTheWayIsAnError) {
  std::string file = dir_ + "/file";
  ::close(::creat(file.c_str(), 0600));
  EXPECT_FALSE(PrivateDirectory::Ensure(file, 0755));
  EXPECT_FALSE(PrivateDirectory::Ensure("relative/run", 0755));
}

}  // namespace
}  // namespace uplinkd
