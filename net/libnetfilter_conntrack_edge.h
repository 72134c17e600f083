#pragma once
// ConntrackEdge on libnetfilter_conntrack: a dump filtered by mark in the kernel, then one
// delete per entry on a second handle (a handle cannot send while it is still dumping).
// Calls are synchronous netlink round trips to the local kernel; a few hundred entries take a
// few milliseconds.
#include <memory>

#include "net/conntrack_edge.h"

struct nfct_handle;

namespace uplinkd::net {

class LibnetfilterConntrackEdge : public ConntrackEdge {
 public:
  static Result<std::unique_ptr<LibnetfilterConntrackEdge>> Create();
  ~LibnetfilterConntrackEdge() override;

  Result<uint32_t> DeleteByMark(uint32_t value, uint32_t mask) override;

 private:
  LibnetfilterConntrackEdge(nfct_handle* dump, nfct_handle* query) : dump_(dump), query_(query) {}
  nfct_handle* dump_;
  nfct_handle* query_;
};

}  // namespace uplinkd::net
