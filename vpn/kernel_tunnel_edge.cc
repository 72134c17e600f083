#include "vpn/kernel_tunnel_edge.h"

#include <linux/wireguard.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>
#include <string.h>

#include <cerrno>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "net/libnl_request.h"

namespace uplinkd::vpn {
namespace {

constexpr int kDumpRetries = 3;

Error Unavailable() {
  return Error{ErrorCode::kUnavailable,
               "kernel WireGuard not available (no generic-netlink family \"wireguard\")", ENOENT};
}

// The raw copies of a dump's messages, and how it ended.
struct DumpCollector {
  std::vector<genl::Message> messages;
  int error = 0;  // -errno from an NLMSG_ERROR, or from NLMSG_DONE's payload
  bool done = false;
};

}  // namespace

Result<std::unique_ptr<KernelTunnelEdge>> KernelTunnelEdge::Create(boost::asio::io_context& io) {
  nl_sock* route = nl_socket_alloc();
  nl_sock* genl = nl_socket_alloc();
  if (!route || !genl) {
    if (route) nl_socket_free(route);
    if (genl) nl_socket_free(genl);
    return MakeError(ErrorCode::kSystem, "cannot allocate netlink sockets", ENOMEM);
  }
  if (int error = nl_connect(route, NETLINK_ROUTE); error < 0) {
    nl_socket_free(route);
    nl_socket_free(genl);
    return tl::unexpected(net::libnl::ErrorFromLibnl(error, "rtnetlink socket"));
  }
  if (int error = genl_connect(genl); error < 0) {
    nl_socket_free(route);
    nl_socket_free(genl);
    return tl::unexpected(net::libnl::ErrorFromLibnl(error, "generic netlink socket"));
  }
  return std::unique_ptr<KernelTunnelEdge>(new KernelTunnelEdge(io, route, genl));
}

KernelTunnelEdge::KernelTunnelEdge(boost::asio::io_context& io, nl_sock* route, nl_sock* genl)
    : io_(io), route_(route), genl_(genl) {}

KernelTunnelEdge::~KernelTunnelEdge() {
  *alive_ = false;
  nl_socket_free(route_);
  nl_socket_free(genl_);
}

void KernelTunnelEdge::Post(Done done, Result<void> result) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), result = std::move(result)] {
    if (!alive.expired()) done(result);
  });
}

Result<uint16_t> KernelTunnelEdge::Family() {
  if (family_id_ < 0) {
    int id = genl_ctrl_resolve(genl_, WG_GENL_NAME);
    if (id < 0) return tl::unexpected(Unavailable());
    family_id_ = id;
  }
  return static_cast<uint16_t>(family_id_);
}

Result<void> KernelTunnelEdge::Send(const genl::Message& bytes, const std::string& context) {
  nl_msg* message = nlmsg_convert(reinterpret_cast<nlmsghdr*>(const_cast<uint8_t*>(bytes.data())));
  if (!message) return MakeError(ErrorCode::kSystem, context + ": out of memory", ENOMEM);
  auto result = net::libnl::Talk(genl_, message, context);
  nlmsghdr* header = nlmsg_hdr(message);
  explicit_bzero(header, header->nlmsg_len);
  nlmsg_free(message);
  return result;
}

void KernelTunnelEdge::CreateInterface(const std::string& name, Done done) {
  if (auto valid = ValidateInterfaceName(name); !valid) return Post(std::move(done), valid);
  net::libnl::LinkPtr link(rtnl_link_alloc());
  if (!link) return Post(std::move(done), MakeError(ErrorCode::kSystem, "out of memory", ENOMEM));
  rtnl_link_set_name(link.get(), name.c_str());
  if (int error = rtnl_link_set_type(link.get(), "wireguard"); error < 0) {
    return Post(std::move(done), tl::unexpected(net::libnl::ErrorFromLibnl(error, "link kind wireguard")));
  }
  nl_msg* raw = nullptr;
  if (int error = rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, &raw); error < 0) {
    return Post(std::move(done), tl::unexpected(net::libnl::ErrorFromLibnl(error, "build link add")));
  }
  net::libnl::MsgPtr message(raw);
  auto result = net::libnl::Talk(route_, message.get(), fmt::format("create WireGuard link {}", name));
  // "Unknown device type": this kernel has no WireGuard.
  if (!result && result.error().errno_value == EOPNOTSUPP) result = tl::unexpected(Unavailable());
  Post(std::move(done), std::move(result));
}

void KernelTunnelEdge::RemoveInterface(const std::string& name, Done done) {
  if (auto valid = ValidateInterfaceName(name); !valid) return Post(std::move(done), valid);
  // Only a WireGuard link: never delete some other link that happens to bear the name.
  auto state = Get(name);
  if (!state) return Post(std::move(done), tl::unexpected(state.error()));
  net::libnl::LinkPtr link(rtnl_link_alloc());
  if (!link) return Post(std::move(done), MakeError(ErrorCode::kSystem, "out of memory", ENOMEM));
  rtnl_link_set_name(link.get(), name.c_str());
  nl_msg* raw = nullptr;
  if (int error = rtnl_link_build_delete_request(link.get(), &raw); error < 0) {
    return Post(std::move(done), tl::unexpected(net::libnl::ErrorFromLibnl(error, "build link delete")));
  }
  net::libnl::MsgPtr message(raw);
  Post(std::move(done), net::libnl::Talk(route_, message.get(), fmt::format("remove WireGuard link {}", name)));
}

void KernelTunnelEdge::SetDevice(const std::string& name, const TunnelDeviceConfig& config, PeerSetMode mode,
                                 Done done) {
  auto family = Family();
  if (!family) return Post(std::move(done), tl::unexpected(family.error()));
  auto messages = genl::BuildSetDevice(*family, name, config, mode);
  if (!messages) return Post(std::move(done), tl::unexpected(messages.error()));
  Result<void> result;
  for (size_t i = 0; i < messages->size() && result; ++i) {
    result = Send((*messages)[i], fmt::format("set WireGuard device {} (part {} of {})", name, i + 1, messages->size()));
  }
  genl::Wipe(*messages);
  Post(std::move(done), std::move(result));
}

Result<TunnelDeviceState> KernelTunnelEdge::Get(const std::string& name) {
  auto family = Family();
  if (!family) return tl::unexpected(family.error());
  auto request = genl::BuildGetDevice(*family, name);
  if (!request) return tl::unexpected(request.error());
  for (int attempt = 0;; ++attempt) {
    nl_msg* message = nlmsg_convert(reinterpret_cast<nlmsghdr*>(request->data()));
    if (!message) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
    int sent = nl_send_auto(genl_, message);
    nlmsg_free(message);
    if (sent < 0) return tl::unexpected(net::libnl::ErrorFromLibnl(sent, "WireGuard get " + name));

    DumpCollector collector;
    nl_cb* callbacks = nl_cb_alloc(NL_CB_DEFAULT);
    if (!callbacks) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
    nl_cb_set(
        callbacks, NL_CB_VALID, NL_CB_CUSTOM,
        [](nl_msg* reply, void* arg) {
          auto* c = static_cast<DumpCollector*>(arg);
          nlmsghdr* header = nlmsg_hdr(reply);
          auto* begin = reinterpret_cast<const uint8_t*>(header);
          c->messages.emplace_back(begin, begin + header->nlmsg_len);
          return static_cast<int>(NL_OK);
        },
        &collector);
    nl_cb_set(
        callbacks, NL_CB_FINISH, NL_CB_CUSTOM,
        [](nl_msg* reply, void* arg) {
          auto* c = static_cast<DumpCollector*>(arg);
          nlmsghdr* header = nlmsg_hdr(reply);
          if (header->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
            int value;
            memcpy(&value, nlmsg_data(header), sizeof value);
            if (value < 0) c->error = value;
          }
          if (header->nlmsg_flags & NLM_F_DUMP_INTR) c->error = -EINTR;
          c->done = true;
          return static_cast<int>(NL_STOP);
        },
        &collector);
    nl_cb_err(
        callbacks, NL_CB_CUSTOM,
        [](sockaddr_nl*, nlmsgerr* error, void* arg) {
          auto* c = static_cast<DumpCollector*>(arg);
          c->error = error->error;
          c->done = true;
          return static_cast<int>(NL_STOP);
        },
        &collector);
    // An interrupted dump ends with NLM_F_DUMP_INTR; libnl reports it as -NLE_DUMP_INTR.
    int received = 0;
    while (!collector.done && received >= 0) received = nl_recvmsgs(genl_, callbacks);
    nl_cb_put(callbacks);
    bool interrupted = received == -NLE_DUMP_INTR || collector.error == -EINTR;
    Result<TunnelDeviceState> state = MakeError(ErrorCode::kSystem, "no reply");
    if (!interrupted && received < 0 && !collector.done) {
      state = tl::unexpected(net::libnl::ErrorFromLibnl(received, "WireGuard get " + name));
    } else if (!interrupted && collector.error < 0) {
      state = tl::unexpected(net::libnl::ErrorFromErrno(-collector.error, "WireGuard get " + name));
    } else if (!interrupted) {
      state = genl::ParseGetDevice(collector.messages);
      interrupted = !state && state.error().errno_value == EINTR;
    }
    genl::Wipe(collector.messages);  // the dump carries the private key
    if (!interrupted || attempt + 1 >= kDumpRetries) {
      if (state) state->interface_name = name;
      return state;
    }
  }
}

void KernelTunnelEdge::GetDevice(const std::string& name, DeviceRead done) {
  std::weak_ptr<bool> alive = alive_;
  boost::asio::post(io_, [alive, done = std::move(done), state = Get(name)]() mutable {
    if (!alive.expired()) done(std::move(state));
  });
}

void KernelTunnelEdge::SetPeerEndpoint(const std::string& name, const WireguardKey& peer,
                                       const TunnelEndpoint& endpoint, Done done) {
  if (endpoint.port == 0) return Post(std::move(done), MakeError(ErrorCode::kInvalidArgument, "an endpoint needs a port"));
  // UPDATE_ONLY alone would silently do nothing for an unknown peer: look first, so the caller
  // hears kNotFound; UPDATE_ONLY still guarantees a peer removed meanwhile is not re-created.
  auto state = Get(name);
  if (!state) return Post(std::move(done), tl::unexpected(state.error()));
  if (!state->FindPeer(peer)) {
    return Post(std::move(done), MakeError(ErrorCode::kNotFound, fmt::format("{} has no peer {}", name, peer.ToBase64())));
  }
  auto family = Family();
  if (!family) return Post(std::move(done), tl::unexpected(family.error()));
  auto message = genl::BuildSetEndpoint(*family, name, peer, endpoint);
  if (!message) return Post(std::move(done), tl::unexpected(message.error()));
  Post(std::move(done), Send(*message, fmt::format("set endpoint of a peer of {}", name)));
}

}  // namespace uplinkd::vpn
