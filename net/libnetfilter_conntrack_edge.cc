#include "net/libnetfilter_conntrack_edge.h"

#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
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

}  // namespace

Result<std::unique_ptr<LibnetfilterConntrackEdge>> LibnetfilterConntrackEdge::Create() {
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
  return std::unique_ptr<LibnetfilterConntrackEdge>(new LibnetfilterConntrackEdge(dump, query));
}

LibnetfilterConntrackEdge::~LibnetfilterConntrackEdge() {
  nfct_close(dump_);
  nfct_close(query_);
}

Result<uint32_t> LibnetfilterConntrackEdge::DeleteByMark(uint32_t value, uint32_t mask) {
  DumpState state;
  nfct_callback_register(dump_, NFCT_T_ALL, Collect, &state);
  nfct_filter_dump* filter = nfct_filter_dump_create();
  if (!filter) return MakeError(ErrorCode::kSystem, "conntrack: out of memory", ENOMEM);
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
