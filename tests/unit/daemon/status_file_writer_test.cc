#include "daemon/status_file_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/link_table.h"
#include "state/status_json.h"

namespace uplinkd {
namespace {

class StatusFileWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "status-file-XXXXXX";
    dir_ = ::mkdtemp(pattern.data());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read() const {
    std::ifstream in(dir_ + "/status.json");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  struct stat Stat() const {
    struct stat info{};
    EXPECT_EQ(::stat((dir_ + "/status.json").c_str(), &info), 0);
    return info;
  }
  std::string dir_;
};

// It holds IMEI and ICCID: readable by its group ([dbus] access_group) and root, not by all.
TEST_F(StatusFileWriterTest, TheFileIsReadableByItsGroupOnly) {
  StatusFileWriter writer(dir_, ::getegid());  // a group we may give files to without root
  ASSERT_TRUE(writer.Write(nlohmann::json{{"imei", "860000000000011"}}));
  EXPECT_EQ(Stat().st_mode & 07777, 0640u);
  EXPECT_EQ(Stat().st_gid, ::getegid());
}

TEST_F(StatusFileWriterTest, WithoutTheGroupOnlyTheOwnerReadsIt) {
  mode_t old_umask = ::umask(022);
  StatusFileWriter writer(dir_);
  bool written = writer.Write(nlohmann::json{{"imei", "860000000000011"}}).has_value();
  ::umask(old_umask);
  ASSERT_TRUE(written);
  EXPECT_EQ(Stat().st_mode & 07777, 0600u);
}

TEST_F(StatusFileWriterTest, ALeftoverTemporaryFileDoesNotLendItsMode) {
  std::string leftover = dir_ + "/status.json.new";
  std::ofstream(leftover) << "old";
  ::chmod(leftover.c_str(), 0666);
  StatusFileWriter writer(dir_);
  ASSERT_TRUE(writer.Write(nlohmann::json::object()));
  EXPECT_EQ(Stat().st_mode & 07777, 0600u);
}

// An interface name may hold any byte; the status rendering must not throw on it (it did:
// nlohmann::json::dump's type_error 316, and nothing caught it around the loop).
TEST_F(StatusFileWriterTest, AnInterfaceNameWithInvalidUtf8IsWrittenWithReplacementCharacters) {
  net::LinkTable links;
  net::LinkEvent event;
  event.index = 7;
  event.name = std::string("wwan\xff\xfe", 6) + "0";
  event.admin_up = true;
  ASSERT_TRUE(links.Apply(event));
  StatusFileWriter writer(dir_);
  std::vector<net::LinkEntry> entries;
  for (const auto& [index, entry] : links.entries()) entries.push_back(entry);
  auto written = writer.Write(nlohmann::json{{"links", state::LinksJson(entries)}});
  ASSERT_TRUE(written) << Describe(written.error());
  std::string text = Read();
  EXPECT_NE(text.find("wwan\xef\xbf\xbd\xef\xbf\xbd" "0"), std::string::npos) << text;  // U+FFFD twice
  EXPECT_TRUE(nlohmann::json::accept(text));
}

}  // namespace
}  // namespace uplinkd
