#include "vpn/wireguard_key.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace uplinkd::vpn {
namespace {

// RFC 7748 section 6.1: Alice's private key and its X25519 public key.
constexpr const char* kAlicePrivateHex = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
constexpr const char* kAlicePublicHex = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";

TEST(WireguardKeyTest, HexAndBase64RoundTrip) {
  auto key = WireguardKey::FromHex(kAlicePrivateHex);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->ToHex(), kAlicePrivateHex);
  std::string text = key->ToBase64();
  EXPECT_EQ(text, "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=");
  auto back = WireguardKey::FromBase64(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *key);
  EXPECT_TRUE(WireguardKey::FromHex(std::string(64, 'A')));  // upper case hex is accepted
}

TEST(WireguardKeyTest, DerivesThePublicKeyOfRfc7748) {
  auto key = WireguardKey::FromHex(kAlicePrivateHex);
  ASSERT_TRUE(key);
  auto public_key = key->DerivePublic();
  ASSERT_TRUE(public_key);
  EXPECT_EQ(public_key->ToHex(), kAlicePublicHex);
}

TEST(WireguardKeyTest, RejectsWhatIsNotAKey) {
  for (const char* text : {"", "abc", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo",   // no padding
                           "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo==",              // too long
                           "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LC!=",               // not base64
                           "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCp=",               // non-canonical tail
                           "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25L o="}) {
    EXPECT_FALSE(WireguardKey::FromBase64(text)) << text;
  }
  EXPECT_FALSE(WireguardKey::FromHex(std::string(63, 'a')));
  EXPECT_FALSE(WireguardKey::FromHex(std::string(62, 'a') + "zz"));
}

TEST(WireguardKeyTest, GeneratedKeysAreClampedAndDistinct) {
  auto a = WireguardKey::GeneratePrivate();
  auto b = WireguardKey::GeneratePrivate();
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_EQ(a->data()[0] & 7, 0);
  EXPECT_EQ(a->data()[31] & 0xc0, 0x40);
  EXPECT_TRUE(a->DerivePublic());
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-key-test-XXXXXX";
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

TEST_F(KeyFileTest, ReadsAPrivateKeyFileWithTheRightMode) {
  auto key = WireguardKey::ReadPrivateKeyFile(Write("wg.key", "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=\n", 0600));
  ASSERT_TRUE(key) << Describe(key.error());
  EXPECT_EQ(key->ToHex(), kAlicePrivateHex);
}

TEST_F(KeyFileTest, RefusesUnsafeOrWrongFilesWithoutShowingTheContent) {
  const std::string secret = "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=";
  auto readable = WireguardKey::ReadPrivateKeyFile(Write("open.key", secret, 0644));
  ASSERT_FALSE(readable);
  EXPECT_EQ(readable.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(readable.error().message.find(secret), std::string::npos);

  std::string link = dir_ + "/link.key";
  ASSERT_EQ(::symlink(Write("real.key", secret, 0600).c_str(), link.c_str()), 0);
  EXPECT_FALSE(WireguardKey::ReadPrivateKeyFile(link));

  auto garbage = WireguardKey::ReadPrivateKeyFile(Write("bad.key", "not-a-key-but-secret", 0600));
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(garbage.error().message.find("not-a-key-but-secret"), std::string::npos);
}

}  // namespace
}  // namespace uplinkd::vpn
