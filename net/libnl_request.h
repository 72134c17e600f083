#pragma once
// What the libnl-based edges share: owning pointers for libnl objects, one request sent and its
// acknowledgement awaited, and the kernel's and libnl's errors as ours. Internal to
// uplinkd_net_kernel: only the real edges' .cc files include it, so libnl types stay out of
// domain code.
#include <memory>
#include <string>

#include <netlink/cache.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "base/result.h"

namespace uplinkd::net::libnl {

struct MsgDeleter {
  void operator()(nl_msg* message) const { nlmsg_free(message); }
};
using MsgPtr = std::unique_ptr<nl_msg, MsgDeleter>;
struct CacheDeleter {
  void operator()(nl_cache* cache) const { nl_cache_free(cache); }
};
using CachePtr = std::unique_ptr<nl_cache, CacheDeleter>;
struct LinkDeleter {
  void operator()(rtnl_link* link) const { rtnl_link_put(link); }
};
using LinkPtr = std::unique_ptr<rtnl_link, LinkDeleter>;

// The kernel's answer as our error: the errno decides the code, so callers can tell "no such
// link" from "link is down" from "not allowed".
Error ErrorFromErrno(int errno_value, const std::string& context);
Error ErrorFromLibnl(int nl_error, const std::string& context);

// Sends one request and waits for the kernel's acknowledgement, keeping the raw errno that
// libnl's own helpers fold into a generic code.
Result<void> Talk(nl_sock* socket, nl_msg* message, const std::string& context);

}  // namespace uplinkd::net::libnl
