#include "net/libnl_traffic_control_edge.h"

#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/fifo.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/tc.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "net/libnl_request.h"

namespace uplinkd::net {

namespace {

using libnl::CachePtr;
using libnl::ErrorFromErrno;
using libnl::ErrorFromLibnl;
using libnl::LinkPtr;
using libnl::MsgPtr;
using libnl::Talk;

struct QdiscDeleter {
  void operator()(rtnl_qdisc* qdisc) const { rtnl_qdisc_put(qdisc); }
};
struct ClassDeleter {
  void operator()(rtnl_class* cls) const { rtnl_class_put(cls); }
};
using QdiscPtr = std::unique_ptr<rtnl_qdisc, QdiscDeleter>;
using ClassPtr = std::unique_ptr<rtnl_class, ClassDeleter>;

constexpr uint16_t kRootClassMinor = 1;
// HTB quantum bounds: below one full Ethernet frame a class needs several rounds per packet;
// above 200000 bytes the kernel complains and fairness between lanes of one prio suffers.
constexpr uint32_t kMinQuantum = 1514;
constexpr uint32_t kMaxQuantum = 200000;
constexpr uint32_t kMinBurst = 1600;

uint32_t Handle(uint16_t major, uint16_t minor) { return (static_cast<uint32_t>(major) << 16) | minor; }
uint16_t MinorOf(uint32_t handle) { return static_cast<uint16_t>(handle & 0xffff); }

// About one millisecond's worth of bytes at the class's rate, within the bounds above.
uint32_t QuantumFor(uint64_t rate_bps) {
  uint64_t per_ms = rate_bps / 8 / 1000;
  return static_cast<uint32_t>(std::clamp<uint64_t>(per_ms, kMinQuantum, kMaxQuantum));
}

// Bucket sizes: a millisecond at the rate, at least one frame and a bit. libnl's own default is
// about one frame, which it turns into a transmit time with microsecond resolution: at Gbit/s
// rates that rounds to zero and the class loses its bucket.
uint32_t BurstFor(uint64_t rate_bps) {
  uint64_t per_ms = rate_bps / 8 / 1000;
  return static_cast<uint32_t>(std::clamp<uint64_t>(per_ms, kMinBurst, UINT32_MAX));
}

std::string Where(const std::string& interface, uint32_t handle) {
  char text[32];
  std::snprintf(text, sizeof text, "%x:%x", handle >> 16, handle & 0xffff);
  return interface + " " + text;
}

// What the kernel has on one interface, as far as our tree is concerned.
struct KernelState {
  int ifindex = 0;
  std::optional<uint32_t> root_handle;  // nullopt: the kernel's default root qdisc
  std::string root_kind;
  bool major_taken = false;             // some qdisc on the interface has handle <major>:
  std::optional<HtbTree> tree;          // set when the root is an HTB of exactly our shape
  std::vector<HtbLaneCounters> counters;  // of that tree, lanes by ascending minor
};

// An HTB class as a lane or root class wants it.
Result<ClassPtr> MakeHtbClass(int ifindex, uint32_t parent, uint32_t handle, uint64_t rate_bps, uint64_t ceil_bps,
                              uint32_t priority) {
  ClassPtr cls(rtnl_class_alloc());
  if (!cls) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_tc* tc = TC_CAST(cls.get());
  rtnl_tc_set_ifindex(tc, ifindex);
  rtnl_tc_set_parent(tc, parent);
  rtnl_tc_set_handle(tc, handle);
  if (int error = rtnl_tc_set_kind(tc, "htb"); error < 0) return tl::unexpected(ErrorFromLibnl(error, "htb class"));
  // The 64-bit setters: libnl sends TCA_HTB_RATE64/CEIL64 when a rate passes 2^32 bytes/s.
  int error = rtnl_htb_set_rate64(cls.get(), rate_bps / 8);
  if (error >= 0) error = rtnl_htb_set_ceil64(cls.get(), ceil_bps / 8);
  if (error >= 0) error = rtnl_htb_set_prio(cls.get(), priority);
  if (error >= 0) error = rtnl_htb_set_quantum(cls.get(), QuantumFor(rate_bps));
  if (error >= 0) error = rtnl_htb_set_rbuffer(cls.get(), BurstFor(rate_bps));
  if (error >= 0) error = rtnl_htb_set_cbuffer(cls.get(), BurstFor(ceil_bps));
  if (error < 0) return tl::unexpected(ErrorFromLibnl(error, "htb class"));
  return cls;
}

}  // namespace

Result<std::unique_ptr<LibnlTrafficControlEdge>> LibnlTrafficControlEdge::Create() {
  nl_sock* socket = nl_socket_alloc();
  if (!socket) return MakeError(ErrorCode::kSystem, "netlink socket: out of memory", ENOMEM);
  if (int error = nl_connect(socket, NETLINK_ROUTE); error < 0) {
    nl_socket_free(socket);
    return tl::unexpected(ErrorFromLibnl(error, "netlink socket"));
  }
  return std::unique_ptr<LibnlTrafficControlEdge>(new LibnlTrafficControlEdge(socket));
}

LibnlTrafficControlEdge::~LibnlTrafficControlEdge() { nl_socket_free(socket_); }

namespace {

// Reads the interface's qdiscs and, when the root is an HTB with handle <major>:, its classes.
// nullopt when there is no such interface.
Result<std::optional<KernelState>> Inspect(nl_sock* socket, const std::string& interface, uint16_t major) {
  rtnl_link* raw_link = nullptr;
  int error = rtnl_link_get_kernel(socket, 0, interface.c_str(), &raw_link);
  if (error == -NLE_OBJ_NOTFOUND || error == -NLE_NODEV) return std::optional<KernelState>();
  if (error < 0) return tl::unexpected(ErrorFromLibnl(error, "link " + interface));
  LinkPtr link(raw_link);
  KernelState state;
  state.ifindex = rtnl_link_get_ifindex(link.get());

  nl_cache* raw_qdiscs = nullptr;
  if (error = rtnl_qdisc_alloc_cache(socket, &raw_qdiscs); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "qdiscs of " + interface));
  }
  CachePtr qdiscs(raw_qdiscs);
  const uint32_t handle = Handle(major, 0);
  state.major_taken = QdiscPtr(rtnl_qdisc_get(qdiscs.get(), state.ifindex, handle)) != nullptr;
  QdiscPtr root(rtnl_qdisc_get_by_parent(qdiscs.get(), state.ifindex, TC_H_ROOT));
  // A root qdisc with handle 0 is the kernel's default (noqueue, pfifo_fast, mq): nothing set up.
  if (!root || rtnl_tc_get_handle(TC_CAST(root.get())) == 0) return std::optional<KernelState>(std::move(state));
  state.root_handle = rtnl_tc_get_handle(TC_CAST(root.get()));
  const char* kind = rtnl_tc_get_kind(TC_CAST(root.get()));
  state.root_kind = kind ? kind : "";
  if (*state.root_handle != handle || state.root_kind != "htb") {
    return std::optional<KernelState>(std::move(state));
  }

  nl_cache* raw_classes = nullptr;
  if (error = rtnl_class_alloc_cache(socket, state.ifindex, &raw_classes); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, "classes of " + interface));
  }
  CachePtr classes(raw_classes);
  HtbTree tree{.interface = interface, .major = major, .rate_bps = 0,
               .default_minor = static_cast<uint16_t>(rtnl_htb_get_defcls(root.get())), .lanes = {}};
  bool root_class_seen = false;
  bool fits = true;
  for (nl_object* object = nl_cache_get_first(classes.get()); object; object = nl_cache_get_next(object)) {
    auto* cls = reinterpret_cast<rtnl_class*>(object);
    rtnl_tc* tc = TC_CAST(cls);
    const uint32_t class_handle = rtnl_tc_get_handle(tc);
    const uint32_t parent = rtnl_tc_get_parent(tc);
    uint64_t rate = 0;
    uint64_t ceil = 0;
    if (rtnl_htb_get_rate64(cls, &rate) < 0 || rtnl_htb_get_ceil64(cls, &ceil) < 0) {
      fits = false;
      break;
    }
    // HTB reports a top-level class's parent as TC_H_ROOT, not as the qdisc's handle.
    if (class_handle == Handle(major, kRootClassMinor) && (parent == TC_H_ROOT || parent == handle)) {
      root_class_seen = true;
      tree.rate_bps = rate * 8;
      continue;
    }
    // Anything but a lane under the root class is a shape uplinkd does not make.
    if (parent != Handle(major, kRootClassMinor) || (class_handle >> 16) != major) {
      fits = false;
      break;
    }
    QdiscPtr leaf(rtnl_qdisc_get_by_parent(qdiscs.get(), state.ifindex, class_handle));
    const char* leaf_kind = leaf ? rtnl_tc_get_kind(TC_CAST(leaf.get())) : nullptr;
    if (!leaf_kind || std::strcmp(leaf_kind, "pfifo") != 0) {
      fits = false;
      break;
    }
    tree.lanes.push_back(HtbLane{.minor = MinorOf(class_handle),
                                 .rate_bps = rate * 8,
                                 .ceil_bps = ceil * 8,
                                 .priority = rtnl_htb_get_prio(cls),
                                 .queue_packets = static_cast<uint32_t>(rtnl_qdisc_fifo_get_limit(leaf.get()))});
    state.counters.push_back(HtbLaneCounters{
        .minor = MinorOf(class_handle),
        .bytes = rtnl_tc_get_stat(tc, RTNL_TC_BYTES),
        .packets = rtnl_tc_get_stat(tc, RTNL_TC_PACKETS),
        .drops = rtnl_tc_get_stat(tc, RTNL_TC_DROPS),
        .backlog_packets = static_cast<uint32_t>(rtnl_tc_get_stat(tc, RTNL_TC_QLEN))});
  }
  if (fits && root_class_seen && !tree.lanes.empty()) {
    state.tree = NormalizeHtbTree(std::move(tree));
    std::sort(state.counters.begin(), state.counters.end(),
              [](const HtbLaneCounters& a, const HtbLaneCounters& b) { return a.minor < b.minor; });
  } else {
    state.counters.clear();
  }
  return std::optional<KernelState>(std::move(state));
}

// In place only when the kernel's tree differs in values alone: same handle (checked by
// Inspect), same default class (HTB cannot change it on a live qdisc), same lanes.
bool SameShape(const HtbTree& kernel, const HtbTree& wanted) {
  if (kernel.default_minor != wanted.default_minor || kernel.lanes.size() != wanted.lanes.size()) return false;
  for (size_t i = 0; i < kernel.lanes.size(); ++i) {
    if (kernel.lanes[i].minor != wanted.lanes[i].minor) return false;
  }
  return true;
}

Result<void> SendClass(nl_sock* socket, rtnl_class* cls, int flags, const std::string& context) {
  nl_msg* raw = nullptr;
  if (int error = rtnl_class_build_add_request(cls, flags, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  return Talk(socket, message.get(), context);
}

Result<void> SendQdisc(nl_sock* socket, rtnl_qdisc* qdisc, int flags, const std::string& context) {
  nl_msg* raw = nullptr;
  if (int error = rtnl_qdisc_build_add_request(qdisc, flags, &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  return Talk(socket, message.get(), context);
}

Result<void> DeleteRootQdisc(nl_sock* socket, int ifindex, const std::string& context) {
  QdiscPtr qdisc(rtnl_qdisc_alloc());
  if (!qdisc) return MakeError(ErrorCode::kSystem, context + ": out of memory", ENOMEM);
  rtnl_tc_set_ifindex(TC_CAST(qdisc.get()), ifindex);
  rtnl_tc_set_parent(TC_CAST(qdisc.get()), TC_H_ROOT);
  nl_msg* raw = nullptr;
  if (int error = rtnl_qdisc_build_delete_request(qdisc.get(), &raw); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, context));
  }
  MsgPtr message(raw);
  auto deleted = Talk(socket, message.get(), context);
  if (!deleted && deleted.error().errno_value == ENOENT) return {};  // gone already
  return deleted;
}

// The lane classes and their pfifo leaves, created (flags NLM_F_CREATE) or changed (flags 0:
// an existing class or leaf with that parent is changed, which keeps its queue and counters).
Result<void> SendLanes(nl_sock* socket, int ifindex, const HtbTree& tree, int flags) {
  for (const HtbLane& lane : tree.lanes) {
    const uint32_t handle = Handle(tree.major, lane.minor);
    const std::string where = Where(tree.interface, handle);
    auto cls = MakeHtbClass(ifindex, Handle(tree.major, kRootClassMinor), handle, lane.rate_bps, lane.ceil_bps,
                            lane.priority);
    if (!cls) return tl::unexpected(cls.error());
    if (auto sent = SendClass(socket, cls->get(), flags, "htb lane " + where); !sent) return sent;

    // The leaf: handle 0 lets the kernel pick one when creating, and names "the qdisc under this
    // class" when changing.
    QdiscPtr leaf(rtnl_qdisc_alloc());
    if (!leaf) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
    rtnl_tc_set_ifindex(TC_CAST(leaf.get()), ifindex);
    rtnl_tc_set_parent(TC_CAST(leaf.get()), handle);
    if (int error = rtnl_tc_set_kind(TC_CAST(leaf.get()), "pfifo"); error < 0) {
      return tl::unexpected(ErrorFromLibnl(error, "pfifo under " + where));
    }
    if (int error = rtnl_qdisc_fifo_set_limit(leaf.get(), static_cast<int>(lane.queue_packets)); error < 0) {
      return tl::unexpected(ErrorFromLibnl(error, "pfifo under " + where));
    }
    if (auto sent = SendQdisc(socket, leaf.get(), flags, "pfifo under " + where); !sent) return sent;
  }
  return {};
}

Result<void> SendRootClass(nl_sock* socket, int ifindex, const HtbTree& tree, int flags) {
  const uint32_t handle = Handle(tree.major, kRootClassMinor);
  auto cls = MakeHtbClass(ifindex, Handle(tree.major, 0), handle, tree.rate_bps, tree.rate_bps, 0);
  if (!cls) return tl::unexpected(cls.error());
  return SendClass(socket, cls->get(), flags, "htb root class " + Where(tree.interface, handle));
}

}  // namespace

Result<void> LibnlTrafficControlEdge::ApplyHtb(const HtbTree& requested) {
  if (auto valid = ValidateHtbTree(requested); !valid) return valid;
  const HtbTree tree = NormalizeHtbTree(requested);
  auto inspected = Inspect(socket_, tree.interface, tree.major);
  if (!inspected) return tl::unexpected(inspected.error());
  if (!*inspected) {
    return MakeError(ErrorCode::kNotFound, "htb tree on '" + tree.interface + "': no such interface", ENODEV);
  }
  const KernelState& state = **inspected;

  if (state.tree && SameShape(*state.tree, tree)) {
    // libnl adds NLM_F_CREATE to every add request; without NLM_F_REPLACE the kernel changes the
    // existing class or leaf qdisc in place.
    if (auto sent = SendRootClass(socket_, state.ifindex, tree, 0); !sent) return sent;
    return SendLanes(socket_, state.ifindex, tree, 0);
  }

  // Replacing the root qdisc grafts the new one atomically, except when our handle is taken (by
  // our own tree of another shape, or anyone's qdisc): HTB cannot be changed into another shape,
  // so that one goes first and the interface briefly has its default qdisc.
  if (state.major_taken) {
    if (auto deleted = DeleteRootQdisc(socket_, state.ifindex, "root qdisc of " + tree.interface); !deleted) {
      return deleted;
    }
  }
  QdiscPtr qdisc(rtnl_qdisc_alloc());
  if (!qdisc) return MakeError(ErrorCode::kSystem, "out of memory", ENOMEM);
  rtnl_tc* tc = TC_CAST(qdisc.get());
  rtnl_tc_set_ifindex(tc, state.ifindex);
  rtnl_tc_set_parent(tc, TC_H_ROOT);
  rtnl_tc_set_handle(tc, Handle(tree.major, 0));
  const std::string where = "htb qdisc " + Where(tree.interface, Handle(tree.major, 0));
  if (int error = rtnl_tc_set_kind(tc, "htb"); error < 0) return tl::unexpected(ErrorFromLibnl(error, where));
  if (int error = rtnl_htb_set_defcls(qdisc.get(), tree.default_minor); error < 0) {
    return tl::unexpected(ErrorFromLibnl(error, where));
  }
  if (auto sent = SendQdisc(socket_, qdisc.get(), NLM_F_CREATE | NLM_F_REPLACE, where); !sent) return sent;
  if (auto sent = SendRootClass(socket_, state.ifindex, tree, NLM_F_CREATE); !sent) return sent;
  return SendLanes(socket_, state.ifindex, tree, NLM_F_CREATE);
}

Result<void> LibnlTrafficControlEdge::RemoveHtb(const std::string& interface, uint16_t major) {
  auto inspected = Inspect(socket_, interface, major);
  if (!inspected) return tl::unexpected(inspected.error());
  if (!*inspected) return {};
  const KernelState& state = **inspected;
  if (state.root_handle != Handle(major, 0) || state.root_kind != "htb") return {};  // not there, or not ours
  // Inspect saw an HTB with our handle at the root (of our shape or not): it is ours to remove.
  return DeleteRootQdisc(socket_, state.ifindex, "root qdisc of " + interface);
}

Result<std::optional<HtbTree>> LibnlTrafficControlEdge::ReadHtb(const std::string& interface, uint16_t major) {
  auto inspected = Inspect(socket_, interface, major);
  if (!inspected) return tl::unexpected(inspected.error());
  if (!*inspected) return std::optional<HtbTree>();
  return (*inspected)->tree;
}

Result<std::vector<HtbLaneCounters>> LibnlTrafficControlEdge::ReadCounters(const std::string& interface,
                                                                           uint16_t major) {
  auto inspected = Inspect(socket_, interface, major);
  if (!inspected) return tl::unexpected(inspected.error());
  if (!*inspected) return std::vector<HtbLaneCounters>();
  return (*inspected)->counters;
}

}  // namespace uplinkd::net
