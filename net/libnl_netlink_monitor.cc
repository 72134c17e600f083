#include "net/libnl_netlink_monitor.h"

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/object.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/rtnl.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "base/logger.h"
#include "net/netlink_drain.h"
#include "net/routing_edge.h"

namespace uplinkd::net {

namespace {
constexpr unsigned kIffLowerUp = 0x10000;  // <linux/if.h> clashes with <net/if.h>; ABI value
constexpr size_t kReadBufferSize = 64 * 1024;
}  // namespace

// One subscription: the socket, its wait on the io_context, and the dump in progress. Completion
// handlers hold a weak_ptr, so a Stop() (even from inside a handler) is always safe.
class LibnlNetlinkMonitor::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::io_context& io, NetlinkHandlers handlers, int* resync_count)
      : descriptor_(io), handlers_(std::move(handlers)), resync_count_(resync_count), buffer_(kReadBufferSize) {}

  ~Session() {
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
    // libnl owns the file descriptor; asio must not close it.
    if (descriptor_.is_open()) descriptor_.release();
    if (socket_) nl_socket_free(socket_);
  }

  Result<void> Open(const Options& options) {
    socket_ = nl_socket_alloc();
    if (!socket_) return MakeError(ErrorCode::kSystem, "netlink monitor: out of memory", ENOMEM);
    nl_socket_disable_seq_check(socket_);  // multicast events carry no sequence of ours
    if (int error = nl_connect(socket_, NETLINK_ROUTE); error < 0) {
      return MakeError(ErrorCode::kSystem, std::string("netlink monitor: connect: ") + nl_geterror(error));
    }
    if (int error = nl_socket_add_memberships(socket_, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0);
        error < 0) {
      return MakeError(ErrorCode::kSystem, std::string("netlink monitor: subscribe: ") + nl_geterror(error));
    }
    if (handlers_.on_owned_routing_removed) {
      if (int error = nl_socket_add_memberships(socket_, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, RTNLGRP_IPV4_ROUTE,
                                                RTNLGRP_IPV6_ROUTE, 0);
          error < 0) {
        return MakeError(ErrorCode::kSystem, std::string("netlink monitor: subscribe to rules and routes: ") +
                                                 nl_geterror(error));
      }
    }
    int fd = nl_socket_get_fd(socket_);
    int size = options.receive_buffer_bytes;
    // As root the buffer may exceed net.core.rmem_max; otherwise take what the system allows.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    if (int error = nl_socket_set_nonblocking(socket_); error < 0) {
      return MakeError(ErrorCode::kSystem, std::string("netlink monitor: nonblocking: ") + nl_geterror(error));
    }
    descriptor_.assign(fd);
    if (auto dumped = BeginDump(); !dumped) return dumped;
    Wait();
    return {};
  }

  void Stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
  }

 private:
  enum class Dump { kNone, kLinks, kAddresses };

  // Subscribed first, then asks for the current state, so nothing falls between the two.
  Result<void> BeginDump() {
    resync_wanted_ = false;
    dump_ = Dump::kLinks;
    // Mark: everything reported from now on (by the dump or by events meanwhile) is there; at
    // the end of a complete dump the rest is swept as removed.
    seen_links_.clear();
    seen_addresses_.clear();
    if (int error = nl_rtgen_request(socket_, RTM_GETLINK, AF_UNSPEC, NLM_F_DUMP); error < 0) {
      dump_ = Dump::kNone;
      return MakeError(ErrorCode::kSystem, std::string("netlink monitor: dump links: ") + nl_geterror(error));
    }
    return {};
  }

  void Wait() {
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [weak = weak_from_this()](const boost::system::error_code& error) {
                             auto self = weak.lock();
                             if (!self || error || self->stopped_) return;
                             self->ReadAvailable();
                             if (!self->stopped_) self->Wait();
                           });
  }

  // Drains the socket without blocking.
  void ReadAvailable() {
    NetlinkDrainHandlers handlers;
    handlers.stopped = [this] { return stopped_; };
    handlers.message = [this](nlmsghdr* header) { Handle(header); };
    handlers.overflow = [this] {
      // The kernel dropped events: what we reported may be stale. Report everything again.
      log_.Warning("netlink monitor: events lost (receive buffer full), resynchronising");
      RequestResync();
    };
    if (int error = DrainNetlinkSocket(nl_socket_get_fd(socket_), buffer_, handlers); error != 0) {
      log_.Error("netlink monitor: receive: {}", std::strerror(error));
    }
  }

  void RequestResync() {
    ++*resync_count_;
    if (dump_ == Dump::kNone) {
      if (auto dumped = BeginDump(); !dumped) log_.Error("{}", Describe(dumped.error()));
    } else {
      resync_wanted_ = true;  // after the dump in progress ends
    }
  }

  void Handle(nlmsghdr* header) {
    if (header->nlmsg_flags & NLM_F_DUMP_INTR) resync_wanted_ = true;  // state changed mid-dump
    switch (header->nlmsg_type) {
      case NLMSG_DONE:
        DumpDone();
        return;
      case NLMSG_ERROR: {
        auto* error = static_cast<nlmsgerr*>(nlmsg_data(header));
        if (error->error != 0) {
          log_.Error("netlink monitor: dump refused: {}", std::strerror(-error->error));
          dump_ = Dump::kNone;
        }
        return;
      }
      case RTM_DELRULE:
      case RTM_DELROUTE:
        DecodeOwnedRemoval(header);
        return;
      case RTM_NEWLINK:
      case RTM_DELLINK:
      case RTM_NEWADDR:
      case RTM_DELADDR:
        Decode(header);
        return;
      default:
        return;
    }
  }

  void DumpDone() {
    if (dump_ == Dump::kLinks) {
      dump_ = Dump::kAddresses;
      if (int error = nl_rtgen_request(socket_, RTM_GETADDR, AF_UNSPEC, NLM_F_DUMP); error < 0) {
        log_.Error("netlink monitor: dump addresses: {}", nl_geterror(error));
        dump_ = Dump::kNone;
      }
      return;
    }
    if (dump_ != Dump::kAddresses) return;
    dump_ = Dump::kNone;
    if (resync_wanted_) {
      if (auto dumped = BeginDump(); !dumped) log_.Error("{}", Describe(dumped.error()));
      return;
    }
    Sweep();
    if (stopped_) return;
    if (handlers_.on_synced) handlers_.on_synced();
  }

  // Rules and routes are read by hand: only the family, table, priority and protocol matter.
  void DecodeOwnedRemoval(nlmsghdr* header) {
    if (!handlers_.on_owned_routing_removed) return;
    OwnedRoutingRemovedEvent event;
    int header_size = 0;
    uint8_t family = 0;
    uint8_t protocol = 0;
    uint32_t table = 0;
    int table_attribute = 0;
    int priority_attribute = 0;
    int protocol_attribute = 0;
    if (header->nlmsg_type == RTM_DELRULE) {
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(fib_rule_hdr))) return;
      const auto* rule = static_cast<const fib_rule_hdr*>(nlmsg_data(header));
      event.kind = OwnedRoutingRemovedEvent::Kind::kRule;
      header_size = sizeof(fib_rule_hdr);
      family = rule->family;
      table = rule->table;
      table_attribute = FRA_TABLE;
      priority_attribute = FRA_PRIORITY;
      protocol_attribute = FRA_PROTOCOL;
    } else {
      if (header->nlmsg_len < NLMSG_LENGTH(sizeof(rtmsg))) return;
      const auto* route = static_cast<const rtmsg*>(nlmsg_data(header));
      event.kind = OwnedRoutingRemovedEvent::Kind::kRoute;
      header_size = sizeof(rtmsg);
      family = route->rtm_family;
      protocol = route->rtm_protocol;
      table = route->rtm_table;
      table_attribute = RTA_TABLE;
      priority_attribute = RTA_PRIORITY;
    }
    if (family != AF_INET && family != AF_INET6) return;
    if (nlattr* attribute = nlmsg_find_attr(header, header_size, table_attribute); attribute && nla_len(attribute) >= 4) {
      table = nla_get_u32(attribute);
    }
    if (nlattr* attribute = nlmsg_find_attr(header, header_size, priority_attribute); attribute && nla_len(attribute) >= 4) {
      event.priority = nla_get_u32(attribute);
    }
    if (protocol_attribute != 0) {
      nlattr* attribute = nlmsg_find_attr(header, header_size, protocol_attribute);
      if (!attribute || nla_len(attribute) < 1) return;
      protocol = nla_get_u8(attribute);
    }
    if (protocol != kUplinkdProtocol) return;
    event.family = family == AF_INET ? IpFamily::kV4 : IpFamily::kV6;
    event.table = table;
    handlers_.on_owned_routing_removed(event);
  }

  void Decode(nlmsghdr* header) {
    nl_msg* message = nlmsg_convert(header);
    if (!message) return;
    nlmsg_set_proto(message, NETLINK_ROUTE);  // how libnl finds the link/address parsers

    bool removed = header->nlmsg_type == RTM_DELLINK || header->nlmsg_type == RTM_DELADDR;
    struct Context {
      Session* session;
      bool removed;
    } context{this, removed};
    int parsed = nl_msg_parse(
        message,
        [](nl_object* object, void* arg) {
          auto* ctx = static_cast<Context*>(arg);
          ctx->session->Deliver(object, ctx->removed);
        },
        &context);
    if (parsed < 0) log_.Warning("netlink monitor: cannot decode message type {}: {}", header->nlmsg_type, nl_geterror(parsed));
    nlmsg_free(message);
  }

  // Sweep: what was reported before and is in neither the complete dump nor an event since it
  // began went away while events were lost; say so, addresses first, then their links.
  void Sweep() {
    std::vector<AddressEvent> gone_addresses;
    for (const auto& key : addresses_) {
      if (!seen_addresses_.count(key)) gone_addresses.push_back({.link_index = key.first, .prefix = key.second, .removed = true});
    }
    std::vector<LinkEvent> gone_links;
    for (const auto& [index, link] : links_) {
      if (seen_links_.count(index)) continue;
      LinkEvent event = link;
      event.removed = true;
      gone_links.push_back(event);
    }
    if (!gone_addresses.empty() || !gone_links.empty()) {
      log_.Notice("netlink monitor: {} address(es) and {} link(s) went away while events were lost",
                  gone_addresses.size(), gone_links.size());
    }
    for (const auto& event : gone_addresses) {
      if (stopped_) return;
      Report(event);
    }
    for (const auto& event : gone_links) {
      if (stopped_) return;
      Report(event);
    }
  }

  // Keeps the picture of what was reported (for the sweep), then tells the handler.
  void Report(const LinkEvent& event) {
    if (event.removed) {
      links_.erase(event.index);
      seen_links_.erase(event.index);
      // The kernel removes a link's addresses with it (and says so); forget them in any case.
      for (auto it = addresses_.begin(); it != addresses_.end();) {
        it = it->first == event.index ? addresses_.erase(it) : std::next(it);
      }
    } else {
      links_[event.index] = event;
      seen_links_.insert(event.index);
    }
    if (handlers_.on_link) handlers_.on_link(event);
  }
  void Report(const AddressEvent& event) {
    std::pair<int, IpPrefix> key{event.link_index, event.prefix};
    if (event.removed) {
      addresses_.erase(key);
      seen_addresses_.erase(key);
    } else {
      addresses_.insert(key);
      seen_addresses_.insert(key);
    }
    if (handlers_.on_address) handlers_.on_address(event);
  }

  void Deliver(nl_object* object, bool removed) {
    std::string type = nl_object_get_type(object);
    if (type == "route/link") {
      auto* link = reinterpret_cast<rtnl_link*>(object);
      if (rtnl_link_get_family(link) != AF_UNSPEC) return;  // bridge port details and the like
      unsigned flags = rtnl_link_get_flags(link);
      const char* name = rtnl_link_get_name(link);
      LinkEvent event{.index = rtnl_link_get_ifindex(link),
                      .name = name ? name : "",
                      .admin_up = (flags & IFF_UP) != 0,
                      .carrier = (flags & kIffLowerUp) != 0,
                      .mtu = rtnl_link_get_mtu(link),
                      .removed = removed};
      Report(event);
    } else if (type == "route/addr") {
      auto* address = reinterpret_cast<rtnl_addr*>(object);
      nl_addr* local = rtnl_addr_get_local(address);
      if (!local) return;
      int family = nl_addr_get_family(local);
      unsigned size = nl_addr_get_len(local);
      if (!((family == AF_INET && size == 4) || (family == AF_INET6 && size == 16))) return;
      IpAddress ip = IpAddress::FromBytes(family == AF_INET ? IpFamily::kV4 : IpFamily::kV6,
                                          static_cast<const uint8_t*>(nl_addr_get_binary_addr(local)));
      AddressEvent event{.link_index = rtnl_addr_get_ifindex(address),
                         .prefix = IpPrefix(ip, static_cast<uint8_t>(rtnl_addr_get_prefixlen(address))),
                         .removed = removed};
      Report(event);
    }
  }

  boost::asio::posix::stream_descriptor descriptor_;
  NetlinkHandlers handlers_;
  int* resync_count_;
  std::vector<char> buffer_;
  nl_sock* socket_ = nullptr;
  Dump dump_ = Dump::kNone;
  bool resync_wanted_ = false;
  bool stopped_ = false;
  // What the handlers were told is there now, and what the dump in progress has confirmed.
  std::map<int, LinkEvent> links_;
  std::set<std::pair<int, IpPrefix>> addresses_;
  std::set<int> seen_links_;
  std::set<std::pair<int, IpPrefix>> seen_addresses_;
  Logger log_{LogModule::kNet};
};

LibnlNetlinkMonitor::LibnlNetlinkMonitor(boost::asio::io_context& io) : LibnlNetlinkMonitor(io, Options{}) {}

LibnlNetlinkMonitor::LibnlNetlinkMonitor(boost::asio::io_context& io, Options options)
    : io_(io), options_(options) {}

LibnlNetlinkMonitor::~LibnlNetlinkMonitor() { Stop(); }

Result<void> LibnlNetlinkMonitor::Start(NetlinkHandlers handlers) {
  if (session_) return MakeError(ErrorCode::kInvalidArgument, "netlink monitor already started");
  auto session = std::make_shared<Session>(io_, std::move(handlers), &resync_count_);
  if (auto opened = session->Open(options_); !opened) return opened;
  session_ = std::move(session);
  return {};
}

void LibnlNetlinkMonitor::Stop() {
  if (!session_) return;
  session_->Stop();
  session_.reset();  // a handler running right now keeps it alive until it returns
}

}  // namespace uplinkd::net
