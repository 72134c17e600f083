// The real launcher with stand-ins for udhcpc and pppd (small shell scripts that behave like
// them on stdout): real fork/exec, pipes, pidfds and the io_context; no root, no network.
#include "modem/process_bearer_ip_client_launcher.h"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "base/asio_scheduler.h"

namespace uplinkd::modem {
namespace {

using std::chrono::milliseconds;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

class ProcessLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/uplinkd-helper-test-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    settings_.runtime_dir = dir_ + "/run";
    settings_.stop_grace = milliseconds(2000);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteProgram(const std::string& name, const std::string& body) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "#!/bin/sh\n" << body;
    ::chmod(path.c_str(), 0700);
    return path;
  }

  // Runs the loop until `done` or 10 s (a failure, not a sleep: the loop wakes on each event).
  template <typename Predicate>
  bool RunUntil(Predicate done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_one_for(milliseconds(50));
    }
    return true;
  }

  static bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

  BearerIpClient::Listener Recorder() {
    BearerIpClient::Listener listener;
    listener.configured = [this](const BearerIpLease& lease) { leases_.push_back(lease); };
    listener.lost = [this](const std::string& reason) { lost_.push_back(reason); };
    listener.exited = [this](const std::string& reason) { exited_.push_back(reason); };
    return listener;
  }

  boost::asio::io_context io_;
  AsioScheduler scheduler_{io_};
  std::string dir_;
  ProcessBearerIpClientLauncher::Settings settings_;
  std::vector<BearerIpLease> leases_;
  std::vector<std::string> lost_;
  std::vector<std::string> exited_;
};

TEST_F(ProcessLauncherTest, UdhcpcEventsThroughOurScriptBecomeLeaseLossAndExit) {
  // Stands in for udhcpc: calls the -s script with a lease in the environment, as busybox does.
  std::string udhcpc = WriteProgram("udhcpc", R"(
while [ $# -gt 0 ]; do case "$1" in -i) iface=$2; shift;; -s) script=$2; shift;; esac; shift; done
echo "udhcpc: started, v1.35.0"
export interface="$iface" ip=100.64.7.10 subnet=255.255.255.0 mask=24 router="100.64.7.1 100.64.7.2"
export dns="198.51.100.53 198.51.100.54" mtu=1400 lease=600
"$script" deconfig
"$script" bound
"$script" renew
"$script" deconfig
exit 3
)");
  settings_.dhcp_client = {udhcpc};
  ProcessBearerIpClientLauncher launcher(io_, scheduler_, settings_);
  BearerIpClientRequest request;
  request.kind = BearerIpClientKind::kDhcp;
  request.modem_name = "modem1";
  request.interface = "wwan9";
  auto client = launcher.Start(request, Recorder());
  ASSERT_TRUE(client) << Describe(client.error());
  EXPECT_TRUE(leases_.empty());  // never from inside Start
  ASSERT_TRUE(RunUntil([&] { return !exited_.empty(); }));

  ASSERT_EQ(leases_.size(), 1u);  // the renewal changed nothing
  EXPECT_EQ(leases_[0].interface, "wwan9");
  EXPECT_FALSE(leases_[0].applied_by_client);
  EXPECT_EQ(leases_[0].ipv4.address.ToString(), "100.64.7.10/24");
  EXPECT_EQ(leases_[0].ipv4.gateway->ToString(), "100.64.7.1");
  EXPECT_EQ(leases_[0].ipv4.dns.size(), 2u);
  EXPECT_EQ(leases_[0].ipv4.mtu, 1400u);
  EXPECT_EQ(lost_, std::vector<std::string>{"DHCP deconfig"});  // the first deconfig had no lease to lose
  EXPECT_EQ(exited_, std::vector<std::string>{"udhcpc exit status 3"});
  struct stat info {};
  ASSERT_EQ(::stat((settings_.runtime_dir + "/udhcpc-event").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(settings_.runtime_dir.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST_F(ProcessLauncherTest, PppdGetsItsOptionsTheCredentialsOnlyInA0600FileAndIsStoppedWhenTheClientGoes) {
  // Stands in for pppd: records its arguments and options file, logs like pppd, then stays up.
  std::string pppd = WriteProgram("pppd", R"(
printf '%s\n' "$@" > )" + dir_ + R"(/args
while [ $# -gt 0 ]; do [ "$1" = file ] && { cat "$2" > )" + dir_ + R"(/options; stat -c %a "$2" > )" + dir_ +
                                              R"(/mode; }; shift; done
echo $$ > )" + dir_ + R"(/pid
echo "Using interface ppp7"
echo "Connect: ppp7 <--> /dev/ttyUSB2"
echo "local  IP address 10.64.0.5"
echo "remote IP address 10.64.0.1"
echo "primary   DNS address 198.51.100.53"
echo "secondary DNS address 198.51.100.54"
exec sleep 30
)");
  settings_.pppd = pppd;
  ProcessBearerIpClientLauncher launcher(io_, scheduler_, settings_);
  BearerIpClientRequest request;
  request.kind = BearerIpClientKind::kPpp;
  request.modem_name = "modem1";
  request.interface = "ttyUSB2";
  request.ppp_unit = 7;
  request.user = "gate\"way";
  request.password = "s3cret";
  auto client = launcher.Start(request, Recorder());
  ASSERT_TRUE(client) << Describe(client.error());
  ASSERT_TRUE(RunUntil([&] { return !leases_.empty() && leases_.back().ipv4.dns.size() == 2; }));

  // The burst of log lines is one report (50 ms settle), unless the machine stalled mid-burst.
  EXPECT_LE(leases_.size(), 2u);
  leases_.erase(leases_.begin(), leases_.end() - 1);
  EXPECT_EQ(leases_[0].interface, "ppp7");
  EXPECT_TRUE(leases_[0].applied_by_client);
  EXPECT_EQ(leases_[0].ipv4.address.ToString(), "10.64.0.5/32");
  EXPECT_EQ(leases_[0].ipv4.gateway->ToString(), "10.64.0.1");
  EXPECT_EQ(leases_[0].ipv4.dns.size(), 2u);

  std::string args = ReadFile(dir_ + "/args");
  std::string options_path = settings_.runtime_dir + "/ppp-modem1.options";
  EXPECT_EQ(args, "/dev/ttyUSB2\nnodetach\nlocal\nnoauth\nnoipdefault\nusepeerdns\nnodefaultroute\n"
                  "noreplacedefaultroute\nmaxfail\n1\nlcp-echo-interval\n5\nlcp-echo-failure\n3\nunit\n7\n"
                  "ipparam\nuplinkd-modem1\nfile\n" + options_path + "\n");
  EXPECT_EQ(args.find("s3cret"), std::string::npos);
  EXPECT_EQ(ReadFile(dir_ + "/options"), "user \"gate\\\"way\"\npassword \"s3cret\"\n");
  EXPECT_EQ(ReadFile(dir_ + "/mode"), "600\n");
  EXPECT_TRUE(exited_.empty());

  pid_t pid = std::stoi(ReadFile(dir_ + "/pid"));
  client->reset();  // the supervisor stops it: SIGTERM, reaped on the loop
  EXPECT_FALSE(std::filesystem::exists(options_path));
  ASSERT_TRUE(RunUntil([&] { return Gone(pid); }));
  EXPECT_TRUE(exited_.empty());  // a stop the supervisor asked for is not reported as an exit
}

TEST_F(ProcessLauncherTest, PppdExitingIsReportedAndAMissingProgramFailsToStart) {
  settings_.pppd = WriteProgram("pppd", "echo 'Modem hangup'\necho 'Connection terminated.'\nexit 16\n");
  ProcessBearerIpClientLauncher launcher(io_, scheduler_, settings_);
  BearerIpClientRequest request;
  request.kind = BearerIpClientKind::kPpp;
  request.modem_name = "modem2";
  request.interface = "/tmp/some/at0.sock";
  auto client = launcher.Start(request, Recorder());
  ASSERT_TRUE(client) << Describe(client.error());
  ASSERT_TRUE(RunUntil([&] { return !exited_.empty(); }));
  EXPECT_EQ(exited_, std::vector<std::string>{"pppd exit status 16"});
  EXPECT_TRUE(leases_.empty());

  settings_.pppd = dir_ + "/no-such-pppd";
  ProcessBearerIpClientLauncher broken(io_, scheduler_, settings_);
  auto failed = broken.Start(request, Recorder());
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kNotFound);
}

TEST(ProcessLauncherArgumentsTest, UdhcpcRunsInTheForegroundWithOurScriptAndAsksForTheMtu) {
  ProcessBearerIpClientLauncher::Settings settings;
  BearerIpClientRequest request;
  request.interface = "wwan0";
  auto argv = ProcessBearerIpClientLauncher::DhcpArguments(settings, request, "/run/uplinkd/udhcpc-event");
  EXPECT_EQ(argv, (std::vector<std::string>{"/usr/bin/busybox", "udhcpc", "-f", "-i", "wwan0", "-s",
                                            "/run/uplinkd/udhcpc-event", "-O", "mtu", "-t", "3", "-T", "2", "-A",
                                            "5"}));
  EXPECT_EQ(ProcessBearerIpClientLauncher::PppDevice("ttyUSB2"), "/dev/ttyUSB2");
  EXPECT_EQ(ProcessBearerIpClientLauncher::PppDevice("/tmp/at0.sock"), "/tmp/at0.sock");
  request.user.clear();
  EXPECT_EQ(ProcessBearerIpClientLauncher::PppCredentialsOptions(request), "");
  auto ppp = ProcessBearerIpClientLauncher::PppArguments(settings, request, "");
  EXPECT_EQ(std::find(ppp.begin(), ppp.end(), "file"), ppp.end());
  EXPECT_NE(std::find(ppp.begin(), ppp.end(), "nodetach"), ppp.end());
}

}  // namespace
}  // namespace uplinkd::modem
