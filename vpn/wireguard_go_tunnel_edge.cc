#include "vpn/wireguard_go_tunnel_edge.h"

#include <signal.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "base/logger.h"
#include "vpn/uapi_exchange.h"
#include "vpn/uapi_protocol.h"

namespace uplinkd::vpn {
namespace {

const Logger kLog(LogModule::kVpn);

// wireguard-go's output is not ours: printable ASCII only, bounded, before it reaches the log.
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 300)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      out += fmt::format("\\x{:02x}", u);
    }
  }
  return out;
}

constexpr std::chrono::milliseconds kSocketRetry{10};

}  // namespace

struct WireguardGoTunnelEdge::Instance {
  enum class State { kStarting, kRunning, kStopping };
  explicit Instance(boost::asio::io_context& io) : deadline(io), retry(io) {}
  std::unique_ptr<ChildProcess> child;
  State state = State::kStarting;
  Done start_done;
  Done stop_done;
  boost::asio::steady_timer deadline;
  boost::asio::steady_timer retry;
  bool probing = false;
  std::string last_line;
};

struct WireguardGoTunnelEdge::Inotify {
  Inotify(boost::asio::io_context& io, int fd) : descriptor(io, fd) {}
  boost::asio::posix::stream_descriptor descriptor;
  std::array<char, 4096> buffer{};
};

WireguardGoTunnelEdge::WireguardGoTunnelEdge(boost::asio::io_context& io, Options options)
    : io_(io), options_(std::move(options)) {}

WireguardGoTunnelEdge::~WireguardGoTunnelEdge() {
  *alive_ = false;
  for (auto& [name, instance] : instances_) {
    instance->child.reset();  // SIGKILL and reap: the TUN device goes with the process
    ::unlink(SocketPath(name).c_str());
  }
}

std::string WireguardGoTunnelEdge::SocketPath(const std::string& name) const {
  return options_.socket_dir + "/" + name + ".sock";
}

pid_t WireguardGoTunnelEdge::ProcessId(const std::string& name) const {
  auto it = instances_.find(name);
  return it != instances_.end() && it->second->child ? it->second->child->pid() : 0;
}

void WireguardGoTunnelEdge::PostDone(Done done, Result<void> result) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), result = std::move(result)]() {
    if (!alive.expired()) done(result);
  });
}

void WireguardGoTunnelEdge::WatchInotify() {
  std::weak_ptr<bool> alive = alive_;
  inotify_->descriptor.async_read_some(
      boost::asio::buffer(inotify_->buffer), [this, alive](const boost::system::error_code& error, size_t n) {
        if (alive.expired() || error) return;
        std::vector<std::string> names;
        for (size_t offset = 0; offset + sizeof(inotify_event) <= n;) {
          auto* event = reinterpret_cast<const inotify_event*>(inotify_->buffer.data() + offset);
          if (event->len > 0) {
            std::string file(event->name, strnlen(event->name, event->len));
            if (file.size() > 5 && file.ends_with(".sock")) names.push_back(file.substr(0, file.size() - 5));
          }
          offset += sizeof(inotify_event) + event->len;
        }
        for (const auto& name : names) OnSocketEvent(name);
        if (!alive.expired()) WatchInotify();
      });
}

void WireguardGoTunnelEdge::CreateInterface(const std::string& name, Done done) {
  if (auto valid = ValidateInterfaceName(name); !valid) return PostDone(std::move(done), valid);
  if (instances_.count(name)) {
    return PostDone(std::move(done),
                    MakeError(ErrorCode::kAlreadyExists, fmt::format("wireguard-go for {} is already running", name)));
  }
  // The directory must exist before the watch; wireguard-go would make it with these bits.
  if (::mkdir(options_.socket_dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return PostDone(std::move(done), MakeError(ErrorCode::kSystem, "cannot create " + options_.socket_dir, errno));
  }
  if (!inotify_) {
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return PostDone(std::move(done), MakeError(ErrorCode::kSystem, "inotify_init1", errno));
    if (::inotify_add_watch(fd, options_.socket_dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
      int saved = errno;
      ::close(fd);
      return PostDone(std::move(done), MakeError(ErrorCode::kSystem, "cannot watch " + options_.socket_dir, saved));
    }
    inotify_ = std::make_unique<Inotify>(io_, fd);
    WatchInotify();
  }
  auto instance = std::make_unique<Instance>(io_);
  instance->start_done = std::move(done);
  Instance* raw = instance.get();
  instances_[name] = std::move(instance);

  // Someone may already serve this name (an earlier daemon's wireguard-go): then it is not ours.
  std::weak_ptr<bool> alive = alive_;
  UapiExchange::Start(io_, SocketPath(name), std::string(uapi::kGet), options_.operation_timeout,
                      [this, alive, name, raw](Result<std::string>& reply) {
    if (alive.expired()) return;
    auto it = instances_.find(name);
    if (it == instances_.end() || it->second.get() != raw) return;
    if (reply) {
      return FinishStart(name, MakeError(ErrorCode::kAlreadyExists,
                                         fmt::format("a wireguard-go already serves {}", SocketPath(name))));
    }
    if (reply.error().code != ErrorCode::kNotFound) return FinishStart(name, tl::unexpected(reply.error()));

    std::vector<std::string> argv = options_.launcher;
    argv.push_back(options_.program);
    argv.push_back("-f");
    argv.push_back(name);
    std::vector<std::string> environment = {
        "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "WG_PROCESS_FOREGROUND=1",
        "LOG_LEVEL=" + options_.log_level,
        // Old builds refuse to start on Linux without it; newer ones ignore it.
        "WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1",
    };
    ChildProcess::Handlers handlers;
    handlers.line = [this, name, raw](const std::string& line) {
      raw->last_line = Printable(line);
      kLog.Info("wireguard-go {}: {}", name, raw->last_line);
    };
    handlers.exited = [this, alive, name](const ChildProcess::ExitStatus& status) {
      if (!alive.expired()) OnExit(name, status);
    };
    auto child = ChildProcess::Spawn(io_, argv, environment, std::move(handlers));
    if (!child) return FinishStart(name, tl::unexpected(child.error()));
    raw->child = std::move(*child);
    kLog.Info("started wireguard-go for {} (pid {})", name, raw->child->pid());
    raw->deadline.expires_after(options_.start_timeout);
    raw->deadline.async_wait([this, alive, name, raw](const boost::system::error_code& error) {
      if (alive.expired() || error) return;
      auto found = instances_.find(name);
      if (found == instances_.end() || found->second.get() != raw || raw->state != Instance::State::kStarting) return;
      FinishStart(name, MakeError(ErrorCode::kTimeout,
                                  fmt::format("wireguard-go for {} did not open {} in {} ms", name, SocketPath(name),
                                              options_.start_timeout.count())));
    });
    // The socket may have appeared between the watch and now.
    TryConnect(name);
  });
}

void WireguardGoTunnelEdge::OnSocketEvent(const std::string& name) {
  auto it = instances_.find(name);
  if (it != instances_.end() && it->second->state == Instance::State::kStarting && it->second->child) TryConnect(name);
}

void WireguardGoTunnelEdge::TryConnect(const std::string& name) {
  auto it = instances_.find(name);
  if (it == instances_.end() || it->second->probing) return;
  Instance* raw = it->second.get();
  struct stat info {};
  if (::stat(SocketPath(name).c_str(), &info) != 0) return;  // inotify tells us when it appears
  raw->probing = true;
  std::weak_ptr<bool> alive = alive_;
  UapiExchange::Start(io_, SocketPath(name), std::string(uapi::kGet), options_.operation_timeout,
                      [this, alive, name, raw](Result<std::string>& reply) {
    if (alive.expired()) return;
    auto found = instances_.find(name);
    if (found == instances_.end() || found->second.get() != raw || raw->state != Instance::State::kStarting) return;
    raw->probing = false;
    if (reply) return FinishStart(name, {});
    // Between bind() and listen() the file exists but refuses: look again shortly.
    raw->retry.expires_after(kSocketRetry);
    raw->retry.async_wait([this, alive, name](const boost::system::error_code& error) {
      if (!alive.expired() && !error) TryConnect(name);
    });
  });
}

void WireguardGoTunnelEdge::FinishStart(const std::string& name, Result<void> result) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return;
  Instance& instance = *it->second;
  instance.deadline.cancel();
  instance.retry.cancel();
  Done done = std::move(instance.start_done);
  if (result) {
    instance.state = Instance::State::kRunning;
  } else {
    kLog.Warning("wireguard-go for {}: {}", name, Describe(result.error()));
    instances_.erase(it);  // kills the child if it is still running
  }
  if (done) done(result);
}

void WireguardGoTunnelEdge::OnExit(const std::string& name, const ChildProcess::ExitStatus& status) {
  auto it = instances_.find(name);
  if (it == instances_.end()) return;
  Instance& instance = *it->second;
  std::string why = ChildProcess::Describe(status);
  switch (instance.state) {
    case Instance::State::kStarting: {
      std::string last = instance.last_line.empty() ? "" : ": " + instance.last_line;
      FinishStart(name, MakeError(ErrorCode::kUnavailable, fmt::format("wireguard-go for {} {}{}", name, why, last)));
      return;
    }
    case Instance::State::kStopping: {
      Done done = std::move(instance.stop_done);
      instance.deadline.cancel();
      instances_.erase(it);
      kLog.Info("wireguard-go for {} stopped ({})", name, why);
      if (done) done({});
      return;
    }
    case Instance::State::kRunning:
      kLog.Warning("wireguard-go for {} ended on its own ({}); the interface is gone", name, why);
      instances_.erase(it);
      return;
  }
}

void WireguardGoTunnelEdge::RemoveInterface(const std::string& name, Done done) {
  auto it = instances_.find(name);
  if (it == instances_.end() || it->second->state == Instance::State::kStarting) {
    return PostDone(std::move(done), MakeError(ErrorCode::kNotFound,
                                               fmt::format("no wireguard-go for {} started by uplinkd", name)));
  }
  Instance& instance = *it->second;
  if (instance.state == Instance::State::kStopping) {
    return PostDone(std::move(done), MakeError(ErrorCode::kAlreadyExists, fmt::format("{} is being removed", name)));
  }
  instance.state = Instance::State::kStopping;
  instance.stop_done = std::move(done);
  // SIGTERM lets wireguard-go remove its TUN device and socket; SIGKILL after the grace period.
  instance.child->Signal(SIGTERM);
  std::weak_ptr<bool> alive = alive_;
  Instance* raw = &instance;
  instance.deadline.expires_after(options_.stop_timeout);
  instance.deadline.async_wait([this, alive, name, raw](const boost::system::error_code& error) {
    if (alive.expired() || error) return;
    auto found = instances_.find(name);
    if (found == instances_.end() || found->second.get() != raw) return;
    kLog.Warning("wireguard-go for {} ignored SIGTERM for {} ms; killing it", name, options_.stop_timeout.count());
    Done stop_done = std::move(raw->stop_done);
    instances_.erase(found);
    ::unlink(SocketPath(name).c_str());
    if (stop_done) stop_done({});
  });
}

void WireguardGoTunnelEdge::SetDevice(const std::string& name, const TunnelDeviceConfig& config, PeerSetMode mode,
                                      Done done) {
  if (auto valid = ValidateInterfaceName(name); !valid) return PostDone(std::move(done), valid);
  if (auto valid = ValidateDeviceConfig(config, mode); !valid) return PostDone(std::move(done), valid);
  std::weak_ptr<bool> alive = alive_;
  UapiExchange::Start(io_, SocketPath(name), uapi::BuildSet(config, mode), options_.operation_timeout,
                      [alive, done = std::move(done)](Result<std::string>& reply) {
                        if (alive.expired()) return;
                        if (!reply) return done(tl::unexpected(reply.error()));
                        done(uapi::ParseSetReply(*reply));
                      });
}

void WireguardGoTunnelEdge::GetDevice(const std::string& name, DeviceRead done) {
  if (auto valid = ValidateInterfaceName(name); !valid) {
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(io_, [alive, done = std::move(done), error = valid.error()] {
      if (!alive.expired()) done(tl::unexpected(error));
    });
    return;
  }
  std::weak_ptr<bool> alive = alive_;
  UapiExchange::Start(io_, SocketPath(name), std::string(uapi::kGet), options_.operation_timeout,
                      [alive, name, done = std::move(done)](Result<std::string>& reply) {
                        if (alive.expired()) return;
                        if (!reply) return done(tl::unexpected(reply.error()));
                        done(uapi::ParseGetReply(*reply, name));
                      });
}

void WireguardGoTunnelEdge::SetPeerEndpoint(const std::string& name, const WireguardKey& peer,
                                            const TunnelEndpoint& endpoint, Done done) {
  if (auto valid = ValidateInterfaceName(name); !valid) return PostDone(std::move(done), valid);
  if (endpoint.port == 0) return PostDone(std::move(done), MakeError(ErrorCode::kInvalidArgument, "an endpoint needs a port"));
  // update_only alone would silently do nothing for an unknown peer: look first, so the caller
  // hears kNotFound; update_only still guarantees a peer removed meanwhile is not re-created.
  std::weak_ptr<bool> alive = alive_;
  GetDevice(name, [this, alive, name, peer, endpoint, done = std::move(done)](Result<TunnelDeviceState> state) mutable {
    if (alive.expired()) return;
    if (!state) return done(tl::unexpected(state.error()));
    if (!state->FindPeer(peer)) {
      return done(MakeError(ErrorCode::kNotFound, fmt::format("{} has no peer {}", name, peer.ToBase64())));
    }
    UapiExchange::Start(io_, SocketPath(name), uapi::BuildSetEndpoint(peer, endpoint), options_.operation_timeout,
                        [alive, done = std::move(done)](Result<std::string>& reply) {
                          if (alive.expired()) return;
                          if (!reply) return done(tl::unexpected(reply.error()));
                          done(uapi::ParseSetReply(*reply));
                        });
  });
}

}  // namespace uplinkd::vpn
