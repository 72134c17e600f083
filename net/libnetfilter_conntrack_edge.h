#pragma once
// ConntrackEdge on libnetfilter_conntrack and libmnl. On kernels that filter a conntrack flush by
// mark (ctnetlink's IPCTNL_MSG_CT_DELETE without a tuple, with CTA_MARK/CTA_MARK_MASK: 5.0 and
// later) one request, built with libmnl, deletes every matching entry inside the kernel instead
// of one round trip each. (libnetfilter_conntrack 1.0.9's NFCT_Q_FLUSH_FILTER carries a family
// only, no mark: the kernel flushes everything with it. kernel_edge_labtest caught that.) Older kernels would ignore the filter and flush
// the whole table, so there the edge dumps the entries by mark (filtered in the kernel) and
// deletes them one by one on a second handle (a handle cannot send while it is still dumping).
// Calls are synchronous netlink round trips to the local kernel, on the caller's thread.
#include <cstdint>
#include <memory>

#include "net/conntrack_edge.h"

struct nfct_handle;
struct mnl_socket;

namespace uplinkd::net {

class LibnetfilterConntrackEdge : public ConntrackEdge {
 public:
  enum class Method {
    kAuto,             // the filtered flush where the kernel has it, else one delete per entry
    kFilteredFlush,    // one request, filtered in the kernel
    kDeletePerEntry,   // dump by mark, then one delete per entry (old kernels; for comparison)
  };
  static Result<std::unique_ptr<LibnetfilterConntrackEdge>> Create(Method method = Method::kAuto);
  ~LibnetfilterConntrackEdge() override;

  Result<uint32_t> DeleteByMark(uint32_t value, uint32_t mask) override;

  // Whether this kernel's conntrack flush honours a mark filter (release 5.0 or later).
  static bool KernelFiltersFlush();
  Method method() const { return method_; }

 private:
  LibnetfilterConntrackEdge(nfct_handle* dump, nfct_handle* query, mnl_socket* flush, Method method)
      : dump_(dump), query_(query), flush_socket_(flush), method_(method) {}
  Result<uint32_t> FlushFiltered(uint32_t value, uint32_t mask);
  Result<uint32_t> DeleteEach(uint32_t value, uint32_t mask);

  nfct_handle* dump_;
  nfct_handle* query_;
  mnl_socket* flush_socket_;
  Method method_;
  uint32_t sequence_ = 0;
};

}  // namespace uplinkd::net
