// uplinkd: keeps an industrial gateway's uplinks connected and manageable.
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include <boost/asio/io_context.hpp>

#include "daemon/command_line.h"
#include "daemon/config/config_loader.h"
#include "base/logger.h"
#include "daemon/daemon.h"

namespace {

int CheckConfig(const std::string& path) {
  auto outcome = uplinkd::config::ConfigLoader::LoadFile(path);
  for (const auto& issue : outcome.issues) std::fprintf(stderr, "%s\n", issue.ToString().c_str());
  if (!outcome.ok()) {
    std::fprintf(stderr, "%s: %zu problem(s); configuration rejected\n", path.c_str(), outcome.issues.size());
    return 1;
  }
  std::printf("%s: configuration is valid\n", path.c_str());
  return 0;
}

// Before anything opens a descriptor: 0, 1 and 2 are open (else the first socket we make could
// become "stdout" and receive log lines, and a child's stdio could be one of our sockets).
void OpenStandardDescriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0) continue;
    int null_fd = ::open("/dev/null", O_RDWR);  // takes the lowest free number: this one
    if (null_fd >= 0 && null_fd != fd) ::close(null_fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  OpenStandardDescriptors();
  // A write to a peer that reset (an HTTPS probe through OpenSSL, a broker) must be an EPIPE
  // error, not the death of the daemon. Not left to a library (libmosquitto happens to do it).
  std::signal(SIGPIPE, SIG_IGN);
  auto command_line = uplinkd::CommandLine::Parse(argc, argv);
  if (!command_line) {
    std::fprintf(stderr, "uplinkd: %s\n%s", command_line.error().message.c_str(), uplinkd::CommandLine::Usage());
    return 2;
  }
  if (command_line->help) {
    std::printf("%s", uplinkd::CommandLine::Usage());
    return 0;
  }
  if (command_line->version) {
    std::printf("uplinkd %s\n", UPLINKD_VERSION);
    return 0;
  }
  if (command_line->check_config_path) return CheckConfig(*command_line->check_config_path);

  boost::asio::io_context io(1);
  uplinkd::Daemon daemon(io, *command_line);
  if (auto started = daemon.Start(); !started) {
    uplinkd::Logger(uplinkd::LogModule::kDaemon).Error("cannot start: {}", uplinkd::Describe(started.error()));
    return 1;
  }
  return daemon.Run();
}
