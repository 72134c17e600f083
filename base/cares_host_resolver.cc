#include "base/cares_host_resolver.h"

#include <ares.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace uplinkd {

std::optional<std::string> NumericAddress(const std::string& host) {
  char text[INET6_ADDRSTRLEN] = {};
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return ::inet_ntop(AF_INET, &v4, text, sizeof(text));
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) return ::inet_ntop(AF_INET6, &v6, text, sizeof(text));
  return std::nullopt;
}

namespace {

int FamilyOf(const std::string& numeric) { return numeric.find(':') == std::string::npos ? AF_INET : AF_INET6; }

std::string ServersText(const ResolveRequest& request) {
  if (request.servers.empty()) return "the system's DNS servers";
  return fmt::format("{}", fmt::join(request.servers, ","));
}

// A resolution whose answer is known without a query (a literal, or a bad request): answered on
// the loop, after Resolve returned.
class ImmediateResolution : public PendingResolution {
 public:
  ImmediateResolution(boost::asio::io_context& io, Result<std::vector<std::string>> result, ResolveCallback done) {
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(io, [alive, result = std::move(result), done = std::move(done)]() mutable {
      if (!alive.expired()) done(std::move(result));
    });
  }

 private:
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// One c-ares channel and its one getaddrinfo.
class CaresResolution : public PendingResolution {
 public:
  CaresResolution(boost::asio::io_context& io, Scheduler& scheduler, ResolveRequest request, ResolveCallback done,
                  const CaresHostResolver::Settings& settings)
      : io_(io), scheduler_(scheduler), request_(std::move(request)), done_(std::move(done)), settings_(settings) {}

  ~CaresResolution() override {
    // ares_destroy calls the query's callback (ARES_EDESTRUCTION) and closes its sockets, telling
    // OnSocketState first; neither must reach the caller now.
    *alive_ = false;
    finished_ = true;
    deadline_.Cancel();
    retransmit_.Cancel();
    if (channel_ != nullptr) ares_destroy(channel_);
    for (auto& [fd, watch] : watches_) Release(*watch);
  }

  Result<void> Start() {
    ares_options options{};
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    options.sock_state_cb = [](void* data, ares_socket_t fd, int readable, int writable) {
      static_cast<CaresResolution*>(data)->OnSocketState(fd, readable != 0, writable != 0);
    };
    options.sock_state_cb_data = this;
    options.timeout = static_cast<int>(settings_.try_timeout.count());
    options.tries = settings_.tries;
    if (int rc = ares_init_options(&channel_, &options, mask); rc != ARES_SUCCESS) {
      channel_ = nullptr;
      return MakeError(ErrorCode::kUnavailable, fmt::format("resolver: {}", ares_strerror(rc)));
    }
    if (!request_.servers.empty()) {
      std::string csv = fmt::format("{}", fmt::join(request_.servers, ","));
      if (int rc = ares_set_servers_ports_csv(channel_, csv.c_str()); rc != ARES_SUCCESS) {
        return MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("resolver: DNS servers {}: {}", csv, ares_strerror(rc)));
      }
    }
    if (!request_.bind_address.empty()) {
      in_addr v4{};
      in6_addr v6{};
      if (::inet_pton(AF_INET, request_.bind_address.c_str(), &v4) == 1) {
        ares_set_local_ip4(channel_, ntohl(v4.s_addr));
      } else if (::inet_pton(AF_INET6, request_.bind_address.c_str(), &v6) == 1) {
        ares_set_local_ip6(channel_, v6.s6_addr);
      } else {
        return MakeError(ErrorCode::kInvalidArgument, "resolver: bad source address " + request_.bind_address);
      }
    }
    if (!request_.bind_device.empty()) {
      if (request_.bind_device.size() >= IFNAMSIZ) {
        return MakeError(ErrorCode::kInvalidArgument, "resolver: device name too long");
      }
      ares_set_local_dev(channel_, request_.bind_device.c_str());
    }
    deadline_ = scheduler_.RunAfter(settings_.timeout, [this] {
      timed_out_ = true;
      // Answers the query with ARES_ECANCELLED, reported as the timeout it is.
      ares_cancel(channel_);
      Rearm();
    });
    ares_addrinfo_hints hints{};
    hints.ai_family = request_.family;
    // Sorting would connect() probe sockets that are not bound to the Wan; the server's order is fine.
    hints.ai_flags = ARES_AI_NOSORT;
    hints.ai_socktype = SOCK_STREAM;
    ares_getaddrinfo(channel_, request_.host.c_str(), nullptr, &hints, &CaresResolution::OnAnswer, this);
    Rearm();
    return {};
  }

 private:
  struct Watch {
    int fd;
    std::unique_ptr<boost::asio::posix::stream_descriptor> descriptor;
    bool want_read = false;
    bool want_write = false;
    bool read_waiting = false;
    bool write_waiting = false;
  };

  static void OnAnswer(void* data, int status, int /*timeouts*/, ares_addrinfo* result) {
    auto* self = static_cast<CaresResolution*>(data);
    Result<std::vector<std::string>> outcome = self->Outcome(status, result);
    if (result != nullptr) ares_freeaddrinfo(result);
    if (self->finished_) return;  // ARES_EDESTRUCTION from the destructor
    self->Finish(std::move(outcome));
  }

  Result<std::vector<std::string>> Outcome(int status, const ares_addrinfo* result) const {
    std::string what = fmt::format("resolving {} via {}", request_.host, ServersText(request_));
    if (timed_out_) {
      return MakeError(ErrorCode::kTimeout, fmt::format("{}: no answer within {} ms", what, settings_.timeout.count()));
    }
    if (status != ARES_SUCCESS) {
      ErrorCode code = (status == ARES_ENOTFOUND || status == ARES_ENODATA || status == ARES_ENONAME)
                           ? ErrorCode::kNotFound
                           : (status == ARES_ETIMEOUT ? ErrorCode::kTimeout : ErrorCode::kUnavailable);
      return MakeError(code, fmt::format("{}: {}", what, ares_strerror(status)));
    }
    std::vector<std::string> addresses;
    for (const ares_addrinfo_node* node = result ? result->nodes : nullptr; node != nullptr; node = node->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      const void* raw = nullptr;
      if (node->ai_family == AF_INET) raw = &reinterpret_cast<const sockaddr_in*>(node->ai_addr)->sin_addr;
      if (node->ai_family == AF_INET6) raw = &reinterpret_cast<const sockaddr_in6*>(node->ai_addr)->sin6_addr;
      if (raw == nullptr || ::inet_ntop(node->ai_family, raw, text, sizeof(text)) == nullptr) continue;
      if (std::find(addresses.begin(), addresses.end(), text) == addresses.end()) addresses.emplace_back(text);
    }
    if (addresses.empty()) return MakeError(ErrorCode::kNotFound, fmt::format("{}: no address", what));
    return addresses;
  }

  // Called inside ares_process_fd (or ares_cancel): the caller hears it on a later loop turn.
  void Finish(Result<std::vector<std::string>> outcome) {
    finished_ = true;
    deadline_.Cancel();
    std::weak_ptr<bool> alive = alive_;
    boost::asio::post(io_, [this, alive, outcome = std::move(outcome)]() mutable {
      if (alive.expired() || !done_) return;
      auto done = std::move(done_);
      done_ = nullptr;
      done(std::move(outcome));  // may destroy this
    });
  }

  void OnSocketState(ares_socket_t fd, bool readable, bool writable) {
    auto found = watches_.find(fd);
    if (!readable && !writable) {
      // c-ares closes the socket right after this: stop watching it without closing it.
      if (found != watches_.end()) {
        Release(*found->second);
        watches_.erase(found);
      }
      return;
    }
    if (found == watches_.end()) {
      auto watch = std::make_shared<Watch>();
      watch->fd = fd;
      watch->descriptor = std::make_unique<boost::asio::posix::stream_descriptor>(io_, fd);
      found = watches_.emplace(fd, std::move(watch)).first;
    }
    found->second->want_read = readable;
    found->second->want_write = writable;
    Arm(found->second);
  }

  static void Release(Watch& watch) {
    if (!watch.descriptor) return;
    boost::system::error_code ignored;
    watch.descriptor->cancel(ignored);
    watch.descriptor->release();
    watch.descriptor.reset();
  }

  void Arm(const std::shared_ptr<Watch>& watch) {
    std::weak_ptr<Watch> weak = watch;
    std::weak_ptr<bool> alive = alive_;
    if (watch->want_read && !watch->read_waiting) {
      watch->read_waiting = true;
      watch->descriptor->async_wait(boost::asio::posix::descriptor_base::wait_read,
                                    [this, weak, alive](const boost::system::error_code& error) {
                                      auto locked = weak.lock();
                                      if (alive.expired() || !locked) return;
                                      locked->read_waiting = false;
                                      if (error || !locked->descriptor) return;
                                      int fd = locked->fd;
                                      locked.reset();
                                      Process(fd, ARES_SOCKET_BAD);
                                      if (auto still = weak.lock(); still && still->descriptor) Arm(still);
                                    });
    }
    if (watch->want_write && !watch->write_waiting) {
      watch->write_waiting = true;
      watch->descriptor->async_wait(boost::asio::posix::descriptor_base::wait_write,
                                    [this, weak, alive](const boost::system::error_code& error) {
                                      auto locked = weak.lock();
                                      if (alive.expired() || !locked) return;
                                      locked->write_waiting = false;
                                      if (error || !locked->descriptor) return;
                                      int fd = locked->fd;
                                      locked.reset();
                                      Process(ARES_SOCKET_BAD, fd);
                                      if (auto still = weak.lock(); still && still->descriptor) Arm(still);
                                    });
    }
  }

  void Process(ares_socket_t read_fd, ares_socket_t write_fd) {
    ares_process_fd(channel_, read_fd, write_fd);
    Rearm();
  }

  // c-ares' own retransmission and per-try timeouts.
  void Rearm() {
    retransmit_.Cancel();
    if (finished_) return;
    timeval max{1, 0};
    timeval next{};
    timeval* wait = ares_timeout(channel_, &max, &next);
    auto delay = std::chrono::milliseconds(wait->tv_sec * 1000 + wait->tv_usec / 1000);
    retransmit_ = scheduler_.RunAfter(delay, [this] { Process(ARES_SOCKET_BAD, ARES_SOCKET_BAD); });
  }

  boost::asio::io_context& io_;
  Scheduler& scheduler_;
  ResolveRequest request_;
  ResolveCallback done_;
  CaresHostResolver::Settings settings_;
  ares_channel channel_ = nullptr;
  std::map<int, std::shared_ptr<Watch>> watches_;
  TimerHandle deadline_;
  TimerHandle retransmit_;
  bool timed_out_ = false;
  bool finished_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

CaresHostResolver::CaresHostResolver(boost::asio::io_context& io, Scheduler& scheduler, Settings settings)
    : io_(io), scheduler_(scheduler), settings_(settings) {
  static const int initialised = ares_library_init(ARES_LIB_INIT_ALL);
  (void)initialised;
}

std::unique_ptr<PendingResolution> CaresHostResolver::Resolve(const ResolveRequest& request, ResolveCallback done) {
  if (auto literal = NumericAddress(request.host)) {
    Result<std::vector<std::string>> result = std::vector<std::string>{*literal};
    if (request.family != AF_UNSPEC && FamilyOf(*literal) != request.family) {
      result = MakeError(ErrorCode::kInvalidArgument,
                         fmt::format("{} is not an {} address", *literal, request.family == AF_INET ? "IPv4" : "IPv6"));
    }
    return std::make_unique<ImmediateResolution>(io_, std::move(result), std::move(done));
  }
  if (request.host.empty() || request.host.size() > 253) {
    return std::make_unique<ImmediateResolution>(
        io_, MakeError(ErrorCode::kInvalidArgument, "resolver: a host name is 1-253 characters"), std::move(done));
  }
  auto resolution = std::make_unique<CaresResolution>(io_, scheduler_, request, done, settings_);
  if (auto started = resolution->Start(); !started) {
    return std::make_unique<ImmediateResolution>(io_, tl::unexpected(started.error()), std::move(done));
  }
  return resolution;
}

}  // namespace uplinkd
