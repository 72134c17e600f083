#include "net/libnetfilter_conntrack_edge.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <optional>
#include <vector>

#include "base/descriptor_closer.h"

namespace uplinkd::net {
namespace {

struct DumpState {
  std::vector<nf_conntrack*> entries;
};

int Collect(enum nf_conntrack_msg_type, struct nf_conntrack* ct, void* data) {
  auto* state = static_cast<DumpState*>(data);
  if (nf_conntrack* copy = nfct_clone(ct)) state->entries.push_back(copy);
  return NFCT_CB_CONTINUE;
}

// The namespace's number of conntrack entries (per network namespace), if readable.
std::optional<uint64_t> EntryCount() {
  std::ifstream file("/proc/sys/net/netfilter/nf_conntrack_count");
  uint64_t count = 0;
  if (!(file >> count)) return std::nullopt;
  return count;
}

}  // namespace

bool LibnetfilterConntrackEdge::KernelFiltersFlush() {
  utsname name{};
  if (::uname(&name) != 0) return false;
  int major = 0;
  return std::sscanf(name.release, "%d", &major) == 1 && major >= 5;
}

Result<std::unique_ptr<LibnetfilterConntrackEdge>> LibnetfilterConntrackEdge::Create(Method method) {
  if (method == Method::kAuto) method = KernelFiltersFlush() ? Method::kFilteredFlush : Method::kDeletePerEntry;
  nfct_handle* dump = nfct_open(CONNTRACK, 0);
  if (!dump) return MakeError(ErrorCode::kSystem, "conntrack: cannot open netlink socket", errno);
  nfct_handle* query = nfct_open(CONNTRACK, 0);
  if (!query) {
    int error = errno;
    nfct_close(dump);
    return MakeError(ErrorCode::kSystem, "conntrack: cannot open netlink socket", error);
  }
  // libnfnetlink opens its sockets without SOCK_CLOEXEC.
  DescriptorCloser::MarkCloseOnExec(nfct_fd(dump));
  DescriptorCloser::MarkCloseOnExec(nfct_fd(query));
  mnl_socket* flush = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
  if (!flush || mnl_socket_bind(flush, 0, MNL_SOCKET_AUTOPID) < 0) {
    int error = errno;
    if (flush) mnl_socket_close(flush);
    nfct_close(dump);
    nfct_close(query);
    return MakeError(ErrorCode::kSystem, "conntrack: cannot open netlink socket", error);
  }
  return std::unique_ptr<LibnetfilterConntrackEdge>(new LibnetfilterConntrackEdge(dump, query, flush, method));
}

LibnetfilterConntrackEdge::~LibnetfilterConntrackEdge() {
  nfct_close(dump_);
  nfct_close(query_);
  mnl_socket_close(flush_socket_);
}

Result<uint32_t> LibnetfilterConntrackEdge::DeleteByMark(uint32_t value, uint32_t mask) {
  // A zero mask would match every entry: that is a flush, which this edge never does.
  if (mask == 0 || (value & ~mask) != 0) {
    return MakeError(ErrorCode::kInvalidArgument, "conntrack: the mark value must lie inside a non-zero mask");
  }
  return method_ == Method::kFilteredFlush ? FlushFiltered(value, mask) : DeleteEach(value, mask);
}

Result<uint32_t> LibnetfilterConntrackEdge::FlushFiltered(uint32_t value, uint32_t mask) {
  // Built by hand with libmnl: libnetfilter_conntrack 1.0.9's NFCT_Q_FLUSH_FILTER takes only a
  // family and sends no mark, which the kernel executes as a flush of everything.
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  header->nlmsg_seq = ++sequence_;
  auto* generic = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(nfgenmsg)));
  generic->nfgen_family = AF_UNSPEC;  // IPv4 and IPv6
  generic->version = NFNETLINK_V0;
  generic->res_id = 0;
  mnl_attr_put_u32(header, CTA_MARK, htonl(value));
  mnl_attr_put_u32(header, CTA_MARK_MASK, htonl(mask));
  // The kernel does not say how many went: the namespace's entry count before and after does
  // (flows starting or ending in the same instant shift it a little).
  auto before = EntryCount();
  if (mnl_socket_sendto(flush_socket_, header, header->nlmsg_len) < 0) {
    return MakeError(ErrorCode::kSystem, "conntrack: flush by mark: send", errno);
  }
  // The kernel flushes inside sendmsg: the acknowledgement is already queued.
  ssize_t length = mnl_socket_recvfrom(flush_socket_, buffer.data(), buffer.size());
  if (length < 0) return MakeError(ErrorCode::kSystem, "conntrack: flush by mark: receive", errno);
  if (mnl_cb_run(buffer.data(), static_cast<size_t>(length), sequence_, mnl_socket_get_portid(flush_socket_), nullptr,
                 nullptr) < 0) {
    return MakeError(ErrorCode::kSystem, "conntrack: flush by mark refused", errno);
  }
  auto after = EntryCount();
  if (!before || !after || *after >= *before) return 0u;
  return static_cast<uint32_t>(*before - *after);
}

Result<uint32_t> LibnetfilterConntrackEdge::DeleteEach(uint32_t value, uint32_t mask) {
  DumpState state;
  nfct_callback_register(dump_, NFCT_T_ALL, Collect, &state);
  nfct_filter_dump* filter = nfct_filter_dump_create();
  if (!filter) {
    nfct_callback_unregister(dump_);
    return MakeError(ErrorCode::kSystem, "conntrack: out of memory", ENOMEM);
  }
  nfct_filter_dump_mark mark{value, mask};
  nfct_filter_dump_set_attr(filter, NFCT_FILTER_DUMP_MARK, &mark);
  nfct_filter_dump_set_attr_u8(filter, NFCT_FILTER_DUMP_L3NUM, AF_UNSPEC);
  int dumped = nfct_query(dump_, NFCT_Q_DUMP_FILTER, filter);
  int dump_error = errno;
  nfct_filter_dump_destroy(filter);
  nfct_callback_unregister(dump_);
  if (dumped < 0) {
    for (auto* entry : state.entries) nfct_destroy(entry);
    return MakeError(ErrorCode::kSystem, "conntrack: dump by mark failed", dump_error);
  }
  uint32_t deleted = 0;
  for (auto* entry : state.entries) {
    // Older kernels ignore the dump filter: check the mark here as well.
    if ((nfct_get_attr_u32(entry, ATTR_MARK) & mask) == value && nfct_query(query_, NFCT_Q_DESTROY, entry) == 0) {
      ++deleted;  // ENOENT (already gone) is not an error worth reporting
    }
    nfct_destroy(entry);
  }
  return deleted;
}

}  // namespace uplinkd::net
