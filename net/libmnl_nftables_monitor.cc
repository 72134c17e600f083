#include "net/libmnl_nftables_monitor.h"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "base/logger.h"
#include "net/netlink_drain.h"

namespace uplinkd::net {
namespace {

constexpr size_t kReadBufferSize = 64 * 1024;
// NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE, NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE,
// NFTA_OBJ_TABLE and NFTA_FLOWTABLE_TABLE are all attribute 1: the table's name.
constexpr uint16_t kTableNameAttribute = 1;

std::optional<nft::Family> FamilyOf(uint8_t family) {
  switch (family) {
    case NFPROTO_INET: return nft::Family::kInet;
    case NFPROTO_IPV4: return nft::Family::kIp;
    case NFPROTO_IPV6: return nft::Family::kIp6;
    default: return std::nullopt;  // arp, bridge, netdev: never uplinkd's
  }
}

}  // namespace

class LibmnlNftablesMonitor::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::io_context& io, Options options, std::function<void(const NftTableChange&)> on_change)
      : descriptor_(io), options_(std::move(options)), on_change_(std::move(on_change)), buffer_(kReadBufferSize) {}

  ~Session() {
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
    if (descriptor_.is_open()) descriptor_.release();  // mnl owns the descriptor
    if (socket_) mnl_socket_close(socket_);
  }

  Result<void> Open() {
    socket_ = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (!socket_) return MakeError(ErrorCode::kSystem, "nftables monitor: socket", errno);
    if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
      return MakeError(ErrorCode::kSystem, "nftables monitor: bind", errno);
    }
    int group = NFNLGRP_NFTABLES;
    if (mnl_socket_setsockopt(socket_, NETLINK_ADD_MEMBERSHIP, &group, sizeof group) < 0) {
      return MakeError(ErrorCode::kSystem, "nftables monitor: subscribe", errno);
    }
    int fd = mnl_socket_get_fd(socket_);
    int size = options_.receive_buffer_bytes;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0) {
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    descriptor_.assign(fd);
    Wait();
    return {};
  }

  void Stop() {
    stopped_ = true;
    boost::system::error_code ignored;
    descriptor_.cancel(ignored);
  }

 private:
  void Wait() {
    descriptor_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                           [weak = weak_from_this()](const boost::system::error_code& error) {
                             auto self = weak.lock();
                             if (!self || error || self->stopped_) return;
                             self->ReadAvailable();
                             if (!self->stopped_) self->Wait();
                           });
  }

  void ReadAvailable() {
    NetlinkDrainHandlers handlers;
    handlers.stopped = [this] { return stopped_; };
    handlers.message = [this](nlmsghdr* header) { Handle(header); };
    handlers.overflow = [this] {
      log_.Warning("nftables monitor: notifications lost (receive buffer full); any table may have changed");
      touched_.clear();
      Report(NftTableChange{});
    };
    if (int error = DrainNetlinkSocket(mnl_socket_get_fd(socket_), buffer_, handlers); error != 0) {
      log_.Error("nftables monitor: receive: {}", std::strerror(error));
    }
  }

  void Handle(const nlmsghdr* header) {
    if (NFNL_SUBSYS_ID(header->nlmsg_type) != NFNL_SUBSYS_NFTABLES) return;
    uint16_t type = NFNL_MSG_TYPE(header->nlmsg_type);
    if (type == NFT_MSG_NEWGEN) {
      // The end of one transaction: report what it touched.
      auto touched = std::move(touched_);
      touched_.clear();
      for (const auto& [family, table] : touched) {
        if (stopped_) return;
        Report(NftTableChange{.family = family, .table = table});
      }
      return;
    }
    const auto& ignore = options_.ignore_portids;
    if (std::find(ignore.begin(), ignore.end(), header->nlmsg_pid) != ignore.end()) return;
    if (header->nlmsg_len < mnl_nlmsg_size(sizeof(nfgenmsg))) return;
    const auto* generic = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(header));
    auto family = FamilyOf(generic->nfgen_family);
    if (!family) return;
    const auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(header));
    for (const auto* attribute = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(header, sizeof(nfgenmsg)));
         mnl_attr_ok(attribute, static_cast<int>(tail - reinterpret_cast<const char*>(attribute)));
         attribute = mnl_attr_next(attribute)) {
      if (mnl_attr_get_type(attribute) != kTableNameAttribute) continue;
      if (mnl_attr_validate(attribute, MNL_TYPE_NUL_STRING) < 0) return;
      touched_.insert({*family, mnl_attr_get_str(attribute)});
      return;
    }
  }

  void Report(const NftTableChange& change) {
    if (on_change_) on_change_(change);
  }

  boost::asio::posix::stream_descriptor descriptor_;
  Options options_;
  std::function<void(const NftTableChange&)> on_change_;
  std::vector<char> buffer_;
  mnl_socket* socket_ = nullptr;
  std::set<std::pair<nft::Family, std::string>> touched_;
  bool stopped_ = false;
  Logger log_{LogModule::kNet};
};

LibmnlNftablesMonitor::LibmnlNftablesMonitor(boost::asio::io_context& io, Options options)
    : io_(io), options_(std::move(options)) {}

LibmnlNftablesMonitor::~LibmnlNftablesMonitor() { Stop(); }

Result<void> LibmnlNftablesMonitor::Start(std::function<void(const NftTableChange&)> on_change) {
  if (session_) return MakeError(ErrorCode::kInvalidArgument, "nftables monitor already started");
  auto session = std::make_shared<Session>(io_, options_, std::move(on_change));
  if (auto opened = session->Open(); !opened) return opened;
  session_ = std::move(session);
  return {};
}

void LibmnlNftablesMonitor::Stop() {
  if (!session_) return;
  session_->Stop();
  session_.reset();
}

}  // namespace uplinkd::net
