// LibnetfilterConntrackEdge on the real kernel, in a fresh network namespace per case: entries
// made through ctnetlink with connmarks of two Wans and none; DeleteByMark takes exactly one
// Wan's, IPv4 and IPv6, and leaves the rest. With 20,000 pinned entries it prints how long the
// call (which runs on the event loop) takes for each method: one delete per entry (the old way,
// kept for kernels before 5.0) and the kernel-filtered flush.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "net/libnetfilter_conntrack_edge.h"
#include "tests/kernel/lab_namespace.h"

namespace uplinkd::net {
namespace {

using Method = LibnetfilterConntrackEdge::Method;

// Makes conntrack entries directly (no traffic needed): UDP flows 100.64.100.x -> 203.0.113.10:7
// (or 2001:db8:100::x -> 2001:db8:ff::10), each with its own source port.
class EntryMaker {
 public:
  EntryMaker() : handle_(nfct_open(CONNTRACK, 0)) {}
  ~EntryMaker() {
    if (handle_) nfct_close(handle_);
  }
  bool ok() const { return handle_ != nullptr; }

  // Creates `count` entries with `mark`; returns how many the kernel took.
  int Make(int count, uint32_t mark, bool ipv6 = false) {
    int made = 0;
    for (int i = 0; i < count; ++i, ++serial_) {
      nf_conntrack* ct = nfct_new();
      if (!ct) break;
      uint16_t source_port = static_cast<uint16_t>(1024 + serial_ % 60000);
      if (ipv6) {
        nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET6);
        in6_addr source{}, destination{};
        inet_pton(AF_INET6, "2001:db8:100::10", &source);
        inet_pton(AF_INET6, "2001:db8:ff::10", &destination);
        source.s6_addr[13] = static_cast<uint8_t>(serial_ / 60000);
        nfct_set_attr(ct, ATTR_IPV6_SRC, &source);
        nfct_set_attr(ct, ATTR_IPV6_DST, &destination);
      } else {
        nfct_set_attr_u8(ct, ATTR_L3PROTO, AF_INET);
        uint32_t host = 0x64646400u + 10 + static_cast<uint32_t>(serial_ / 60000);  // 100.100.100.10+
        nfct_set_attr_u32(ct, ATTR_IPV4_SRC, htonl(host));
        nfct_set_attr_u32(ct, ATTR_IPV4_DST, htonl(0xCB00710Au));  // 203.0.113.10
      }
      nfct_set_attr_u8(ct, ATTR_L4PROTO, IPPROTO_UDP);
      nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(source_port));
      nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(7));
      nfct_setobjopt(ct, NFCT_SOPT_SETUP_REPLY);
      nfct_set_attr_u32(ct, ATTR_TIMEOUT, 600);
      nfct_set_attr_u32(ct, ATTR_MARK, mark);
      if (nfct_query(handle_, NFCT_Q_CREATE, ct) == 0) ++made;
      nfct_destroy(ct);
    }
    return made;
  }

  // Entries now, by connmark.
  std::map<uint32_t, int> CountByMark() {
    std::map<uint32_t, int> counts;
    nfct_callback_register(
        handle_, NFCT_T_ALL,
        [](enum nf_conntrack_msg_type, nf_conntrack* ct, void* data) {
          ++(*static_cast<std::map<uint32_t, int>*>(data))[nfct_get_attr_u32(ct, ATTR_MARK)];
          return static_cast<int>(NFCT_CB_CONTINUE);
        },
        &counts);
    uint32_t family = AF_UNSPEC;
    nfct_query(handle_, NFCT_Q_DUMP, &family);
    nfct_callback_unregister(handle_);
    return counts;
  }

 private:
  nfct_handle* handle_;
  int serial_ = 0;
};

constexpr uint32_t kWanMask = 0xff00;
constexpr uint32_t kAlert = 0x10000;

class ConntrackEdgeKernelTest : public ::testing::TestWithParam<Method> {
 protected:
  void SetUp() override {
    if (!lab::EnterFreshNetworkNamespace()) GTEST_SKIP() << lab::LabUnavailableReason();
    // Netlink sockets belong to the namespace they were opened in: open them only now.
    maker_ = std::make_unique<EntryMaker>();
    if (!maker_->ok()) GTEST_SKIP() << "no ctnetlink here";
    if (GetParam() == Method::kFilteredFlush && !LibnetfilterConntrackEdge::KernelFiltersFlush()) {
      GTEST_SKIP() << "this kernel does not filter a conntrack flush by mark";
    }
    auto edge = LibnetfilterConntrackEdge::Create(GetParam());
    ASSERT_TRUE(edge);
    edge_ = std::move(*edge);
  }
  std::unique_ptr<EntryMaker> maker_;
  std::unique_ptr<LibnetfilterConntrackEdge> edge_;
};

TEST_P(ConntrackEdgeKernelTest, DeletesExactlyTheDeadWansEntries) {
  ASSERT_EQ(maker_->Make(50, 0x100 | kAlert), 50);
  ASSERT_EQ(maker_->Make(20, 0x100 | kAlert, /*ipv6=*/true), 20);
  ASSERT_EQ(maker_->Make(30, 0x200 | kAlert), 30);
  ASSERT_EQ(maker_->Make(10, 0x200, true), 10);
  ASSERT_EQ(maker_->Make(5, 0), 5);            // not uplinkd's
  ASSERT_EQ(maker_->Make(5, 0x1000100), 5);    // another bit outside the Wan's: still that Wan
  ASSERT_EQ(maker_->Make(5, 0x42), 5);         // an application's low bits only
  auto deleted = edge_->DeleteByMark(0x100, kWanMask);
  ASSERT_TRUE(deleted) << Describe(deleted.error());
  EXPECT_EQ(*deleted, 75u);
  auto left = maker_->CountByMark();
  EXPECT_EQ(left, (std::map<uint32_t, int>{{0, 5}, {0x42, 5}, {0x200, 10}, {0x200 | kAlert, 30}}));
  // Nothing left to delete: success, none.
  auto again = edge_->DeleteByMark(0x100, kWanMask);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, 0u);
  EXPECT_EQ(maker_->CountByMark(), left);
  // A zero mask would be a flush of everything: refused, nothing changes.
  EXPECT_FALSE(edge_->DeleteByMark(0, 0));
  EXPECT_FALSE(edge_->DeleteByMark(0x300, 0x100));
  EXPECT_EQ(maker_->CountByMark(), left);
}

// Not pass/fail on time: prints the figure (the call blocks the event loop for all of it).
TEST_P(ConntrackEdgeKernelTest, TwentyThousandPinnedFlows) {
  constexpr int kPinned = 20000;
  ASSERT_EQ(maker_->Make(kPinned, 0x100 | kAlert), kPinned);
  ASSERT_EQ(maker_->Make(1000, 0x200 | kAlert), 1000);
  auto start = std::chrono::steady_clock::now();
  auto deleted = edge_->DeleteByMark(0x100, kWanMask);
  auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(deleted) << Describe(deleted.error());
  EXPECT_EQ(*deleted, static_cast<uint32_t>(kPinned));
  EXPECT_EQ(maker_->CountByMark(), (std::map<uint32_t, int>{{0x200 | kAlert, 1000}}));
  std::printf("conntrack %s: %d entries deleted in %.1f ms (one call on the loop; 1000 others kept)\n",
              GetParam() == Method::kFilteredFlush ? "filtered flush" : "delete per entry", kPinned, took);
}

INSTANTIATE_TEST_SUITE_P(Kernel, ConntrackEdgeKernelTest,
                         ::testing::Values(Method::kFilteredFlush, Method::kDeletePerEntry),
                         [](const ::testing::TestParamInfo<Method>& param) {
                           return param.param == Method::kFilteredFlush ? "FilteredFlush" : "DeletePerEntry";
                         });

}  // namespace
}  // namespace uplinkd::net
