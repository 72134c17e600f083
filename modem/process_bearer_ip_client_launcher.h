#pragma once
// The real BearerIpClientLauncher: runs Debian's helpers as child processes on the io_context.
//
// DHCP: busybox `udhcpc -f -i IF -s SCRIPT -O mtu -t 3 -T 2 -A 5`; the script (written into
// `runtime_dir`) only reports each event on stdout, uplinkd applies the lease through the
// RoutingEdge (lease.applied_by_client = false).
// PPP: `pppd DEVICE nodetach local noauth noipdefault usepeerdns nodefaultroute
// noreplacedefaultroute lcp-echo-interval 5 lcp-echo-failure 3 maxfail 1 unit N [file OPTS]`; the
// user and password go into a 0600 options file in `runtime_dir`, never onto a command line.
// pppd configures its pppN interface itself; its log lines on stdout say which and with what.
//
// A stopped client's process gets SIGTERM and, after `stop_grace`, SIGKILL; the launcher keeps it
// until it has been reaped, so stopping never blocks the loop. The launcher must outlive the
// clients it started.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/logger.h"
#include "base/scheduler.h"
#include "modem/bearer_ip_client.h"
#include "base/child_process.h"

namespace uplinkd::modem {

class ProcessBearerIpClientLauncher : public BearerIpClientLauncher {
 public:
  struct Settings {
    std::vector<std::string> dhcp_client = {"/usr/bin/busybox", "udhcpc"};  // program and leading arguments
    std::string pppd = "/usr/sbin/pppd";
    std::string runtime_dir = "/run/uplinkd";  // the udhcpc script and pppd options files live here (0700)
    uint32_t lcp_echo_interval_s = 5;          // pppd's dead-peer detection: 3 missed echoes, 15 s
    uint32_t lcp_echo_failure = 3;
    std::chrono::milliseconds stop_grace{3000};
  };

  ProcessBearerIpClientLauncher(boost::asio::io_context& io, Scheduler& scheduler, Settings settings);
  ~ProcessBearerIpClientLauncher() override;

  Result<std::unique_ptr<BearerIpClient>> Start(const BearerIpClientRequest& request,
                                                BearerIpClient::Listener listener) override;

  // The command lines, pure (tested without running anything).
  static std::vector<std::string> DhcpArguments(const Settings& settings, const BearerIpClientRequest& request,
                                                const std::string& script_path);
  static std::vector<std::string> PppArguments(const Settings& settings, const BearerIpClientRequest& request,
                                               const std::string& options_path);
  // pppd options file text holding the credentials; empty when the request has none.
  static std::string PppCredentialsOptions(const BearerIpClientRequest& request);
  // The tty pppd opens: an absolute path as given, else /dev/<name>.
  static std::string PppDevice(const std::string& bearer_interface);

  // Hands over a stopped client's process: SIGTERM now, SIGKILL after the grace, kept until reaped.
  void Retire(std::unique_ptr<ChildProcess> child, std::string what);

 private:
  class DhcpClient;
  class PppClient;

  Result<void> PrepareRuntimeDir();
  Result<std::string> WriteUdhcpcScript();
  Result<std::string> WritePppOptions(const BearerIpClientRequest& request);

  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  Settings settings_;
  Logger log_{LogModule::kModem};
  struct Retired {
    std::unique_ptr<ChildProcess> child;
    TimerHandle kill_timer;
  };
  uint64_t next_retired_ = 0;
  std::map<uint64_t, Retired> retired_;
};

}  // namespace uplinkd::modem
