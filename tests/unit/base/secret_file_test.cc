#include "base/secret_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-secret-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& content, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  std::string dir_;
};

TEST_F(SecretFileTest, ReadsA0600FileAndStripsTheTrailingNewline) {
  auto secret = ReadSecretFile(Write("pin", "1234\n", 0600));
  ASSERT_TRUE(secret) << Describe(secret.error());
  EXPECT_EQ(*secret, "1234");
}

TEST_F(SecretFileTest, Accepts0400) {
  auto secret = ReadSecretFile(Write("pin", "4321", 0400));
  ASSERT_TRUE(secret);
  EXPECT_EQ(*secret, "4321");
}

TEST_F(SecretFileTest, RefusesGroupOrWorldAccess) {
  for (mode_t mode : {0640, 0604, 0644, 0660, 0620}) {
    auto secret = ReadSecretFile(Write("pin", "1234", mode));
    ASSERT_FALSE(secret) << std::oct << mode;
    EXPECT_EQ(secret.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(secret.error().message.find("0600 or 0400"), std::string::npos);
    EXPECT_EQ(secret.error().message.find("1234"), std::string::npos);  // never the secret itself
  }
}

TEST_F(SecretFileTest, RefusesASymlink) {
  std::string target = Write("pin", "1234", 0600);
  std::string link = dir_ + "/link";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  auto secret = ReadSecretFile(link);
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(SecretFileTest, RefusesADirectoryAnEmptyFileAndAMissingFile) {
  EXPECT_FALSE(ReadSecretFile(dir_));
  EXPECT_FALSE(ReadSecretFile(Write("empty", "\n", 0600)));
  EXPECT_FALSE(ReadSecretFile(dir_ + "/missing"));
  EXPECT_FALSE(ReadSecretFile(""));
}

TEST_F(SecretFileTest, RefusesAFileOwnedBySomeoneElse) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to chown";
  std::string path = Write("pin", "1234", 0600);
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  auto secret = ReadSecretFile(path);
  ASSERT_FALSE(secret);
  EXPECT_NE(secret.error().message.find("owned by uid 65534"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd
