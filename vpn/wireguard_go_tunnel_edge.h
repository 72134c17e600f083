#pragma once
// The userspace back-end: one `wireguard-go -f <ifname>` child per interface it creates, driven
// through the UAPI socket <socket_dir>/<ifname>.sock. Everything runs on the io_context: the
// start waits for the socket by inotify (with a deadline), each operation is one UapiExchange
// with a timeout. An interface it did not start (an older wireguard-go still running) can be
// configured and read, but not removed.
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "base/child_process.h"
#include "vpn/tunnel_edge.h"

namespace uplinkd::vpn {

class WireguardGoTunnelEdge : public TunnelEdge {
 public:
  struct Options {
    std::string program = "/usr/bin/wireguard-go";
    // wireguard-go puts its sockets here; the directory is shared by every network namespace.
    std::string socket_dir = "/var/run/wireguard";
    // Put before the program, e.g. {"/usr/bin/ip", "netns", "exec", "hub"} to run it elsewhere.
    std::vector<std::string> launcher;
    std::string log_level = "error";  // wireguard-go's LOG_LEVEL: error, verbose, silent
    std::chrono::milliseconds start_timeout{5000};
    std::chrono::milliseconds stop_timeout{3000};
    std::chrono::milliseconds operation_timeout{2000};
  };

  WireguardGoTunnelEdge(boost::asio::io_context& io, Options options);
  // Kills what it started (the interface vanishes with its process) and removes their sockets.
  ~WireguardGoTunnelEdge() override;

  void CreateInterface(const std::string& interface_name, Done done) override;
  void RemoveInterface(const std::string& interface_name, Done done) override;
  void SetDevice(const std::string& interface_name, const TunnelDeviceConfig& config, PeerSetMode mode,
                 Done done) override;
  void GetDevice(const std::string& interface_name, DeviceRead done) override;
  void SetPeerEndpoint(const std::string& interface_name, const WireguardKey& peer, const TunnelEndpoint& endpoint,
                       Done done) override;

  // The process behind an interface this edge started (0: none), for supervision and tests.
  pid_t ProcessId(const std::string& interface_name) const;

 private:
  struct Instance;

  std::string SocketPath(const std::string& interface_name) const;
  void PostDone(Done done, Result<void> result);
  void OnSocketEvent(const std::string& interface_name);
  void TryConnect(const std::string& interface_name);
  void FinishStart(const std::string& interface_name, Result<void> result);
  void OnExit(const std::string& interface_name, const ChildProcess::ExitStatus& status);
  void WatchInotify();

  boost::asio::io_context& io_;
  Options options_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  struct Inotify;
  std::unique_ptr<Inotify> inotify_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace uplinkd::vpn
