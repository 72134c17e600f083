#include "base/logger.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <gtest/gtest.h>

namespace uplinkd {
namespace {

// Runs `body` with stderr sent to a temporary file and returns what it wrote.
template <typename Body>
std::string CaptureStderr(Body body) {
  char path[] = "/tmp/uplinkd-logger-test-XXXXXX";
  int file = ::mkstemp(path);
  EXPECT_GE(file, 0);
  ::unlink(path);
  int saved = ::dup(STDERR_FILENO);
  ::dup2(file, STDERR_FILENO);
  body();
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  char buffer[4096];
  ::lseek(file, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(file, buffer, sizeof(buffer))) > 0;) out.append(buffer, static_cast<size_t>(n));
  ::close(file);
  return out;
}

TEST(LoggerTest, AForgedLineInAnArgumentStaysOnItsLine) {
  Logger log(LogModule::kDbus);
  std::string level = "debug\n<0>daemon: forged";
  std::string out = CaptureStderr([&] { log.Warning("refused {} from {}", "Manager.SetLogLevel(" + level + ")", ":1.7"); });
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("Manager.SetLogLevel(debug\\n<0>daemon: forged) from :1.7"), std::string::npos) << out;
  EXPECT_EQ(out.find("\n<0>"), std::string::npos) << out;
}

TEST(LoggerTest, NonStringArgumentsAndTheFormatAreEscapedToo) {
  // A type with its own formatter (here a char) and a line break in the format itself.
  EXPECT_EQ(Logger::FormatLine(LogLevel::kInfo, LogModule::kNet, "a\nb\r\x1b", false), "<6>net: a\\nb\\r\\x1b\n");
  EXPECT_EQ(Logger::FormatLine(LogLevel::kError, LogModule::kNet, "x", true), "error   net: x\n");
  EXPECT_EQ(Logger::Render("{}{}", '\n', 5), "\n5");  // escaped by FormatLine, not here
  std::string line = Logger::FormatLine(LogLevel::kInfo, LogModule::kNet, Logger::Render("{}{}", '\n', 5), false);
  EXPECT_EQ(line, "<6>net: \\n5\n");
}

TEST(LoggerTest, LongArgumentsAreBounded) {
  std::string name(100000, 'A');
  std::string text = Logger::Render("interface {} is gone", name);
  EXPECT_EQ(text, "interface " + std::string(kMaxEchoedBytes, 'A') + "… is gone");
  // Format specifications for strings still apply to the escaped text.
  EXPECT_EQ(Logger::Render("[{:>6}] [{:<4}]", "ab", std::string_view("c\td")), "[    ab] [c\\td]");
  const char* none = nullptr;
  EXPECT_EQ(Logger::Render("{}", none), "(null)");
  // A whole line is bounded too (many bounded arguments).
  std::string line = Logger::FormatLine(LogLevel::kInfo, LogModule::kNet, std::string(10000, 'b'), false);
  EXPECT_LT(line.size(), kMaxLogLineBytes + 32);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
}

}  // namespace
}  // namespace uplinkd
