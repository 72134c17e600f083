#include "tests/unit/net/netlink_monitor_contract.h"

#include <algorithm>
#include <chrono>
#include <vector>

namespace uplinkd::net {

void NetlinkMonitorContractTest::SetUp() {
  harness_ = GetParam().make();
  if (!harness_ && !IsSkipped()) FAIL() << "harness could not be made";
}

void NetlinkMonitorContractTest::TearDown() {
  if (harness_) harness_->monitor().Stop();
}

bool NetlinkMonitorContractTest::RunUntil(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (harness_->io().stopped()) harness_->io().restart();
    harness_->io().run_one_for(deadline - now);
  }
  return true;
}

namespace {

// Everything a monitor reported, and the picture it adds up to.
struct Recorder {
  std::vector<LinkEvent> links;
  std::vector<AddressEvent> addresses;
  int synced = 0;

  NetlinkHandlers Handlers() {
    return NetlinkHandlers{.on_link = [this](const LinkEvent& e) { links.push_back(e); },
                           .on_address = [this](const AddressEvent& e) { addresses.push_back(e); },
                           .on_synced = [this] { ++synced; }};
  }
  const LinkEvent* LastFor(int index) const {
    for (auto it = links.rbegin(); it != links.rend(); ++it) {
      if (it->index == index) return &*it;
    }
    return nullptr;
  }
  bool HasAddress(const AddressEvent& wanted) const {
    return std::find(addresses.begin(), addresses.end(), wanted) != addresses.end();
  }
};

IpPrefix P(const char* text) { return *IpPrefix::Parse(text); }

TEST_P(NetlinkMonitorContractTest, SnapshotThenChanges) {
  int wan = harness().CreateLink("wan0");
  ASSERT_TRUE(harness().edge().AddAddress({.link_index = wan, .prefix = P("100.64.9.2/30")}));

  Recorder recorder;
  ASSERT_TRUE(harness().monitor().Start(recorder.Handlers()));
  EXPECT_TRUE(recorder.links.empty()) << "no handler may run inside Start()";
  ASSERT_TRUE(RunUntil([&] { return recorder.synced == 1; }));
  ASSERT_NE(recorder.LastFor(1), nullptr);  // lo
  EXPECT_EQ(recorder.LastFor(1)->name, "lo");
  ASSERT_NE(recorder.LastFor(wan), nullptr);
  EXPECT_EQ(recorder.LastFor(wan)->name, "wan0");
  EXPECT_FALSE(recorder.LastFor(wan)->admin_up);
  EXPECT_TRUE(recorder.HasAddress({.link_index = wan, .prefix = P("100.64.9.2/30"), .removed = false}));

  ASSERT_TRUE(harness().edge().SetLinkUp(wan, true));
  ASSERT_TRUE(RunUntil([&] { return recorder.LastFor(wan)->admin_up; }));
  EXPECT_FALSE(recorder.LastFor(wan)->carrier);

  harness().SetCarrier(wan, true);
  ASSERT_TRUE(RunUntil([&] { return recorder.LastFor(wan)->carrier; }));

  harness().SetCarrier(wan, false);
  ASSERT_TRUE(RunUntil([&] { return !recorder.LastFor(wan)->carrier; }));
  EXPECT_TRUE(recorder.LastFor(wan)->admin_up);

  ASSERT_TRUE(harness().edge().SetLinkUp(wan, false));
  ASSERT_TRUE(RunUntil([&] { return !recorder.LastFor(wan)->admin_up; }));

  AddressEvent v6{.link_index = wan, .prefix = P("2001:db8:9::2/64"), .removed = false};
  ASSERT_TRUE(harness().edge().AddAddress({.link_index = wan, .prefix = v6.prefix}));
  ASSERT_TRUE(RunUntil([&] { return recorder.HasAddress(v6); }));
  ASSERT_TRUE(harness().edge().RemoveAddress({.link_index = wan, .prefix = v6.prefix}));
  AddressEvent v6_gone = v6;
  v6_gone.removed = true;
  ASSERT_TRUE(RunUntil([&] { return recorder.HasAddress(v6_gone); }));

  harness().RemoveLink(wan);
  ASSERT_TRUE(RunUntil([&] { return recorder.LastFor(wan)->removed; }));
  EXPECT_TRUE(recorder.HasAddress({.link_index = wan, .prefix = P("100.64.9.2/30"), .removed = true}));
  EXPECT_EQ(recorder.synced, 1);
}

TEST_P(NetlinkMonitorContractTest, NothingAfterStop) {
  int wan = harness().CreateLink("wan0");
  Recorder recorder;
  ASSERT_TRUE(harness().monitor().Start(recorder.Handlers()));
  ASSERT_TRUE(RunUntil([&] { return recorder.synced == 1; }));
  harness().monitor().Stop();
  size_t before = recorder.links.size();
  ASSERT_TRUE(harness().edge().SetLinkUp(wan, true));
  harness().io().restart();
  harness().io().poll();
  EXPECT_EQ(recorder.links.size(), before);

  // And it can start again, with a fresh snapshot that shows the change.
  Recorder again;
  ASSERT_TRUE(harness().monitor().Start(again.Handlers()));
  ASSERT_TRUE(RunUntil([&] { return again.synced == 1; }));
  ASSERT_NE(again.LastFor(wan), nullptr);
  EXPECT_TRUE(again.LastFor(wan)->admin_up);
}

TEST_P(NetlinkMonitorContractTest, HandlerMayStopTheMonitor) {
  harness().CreateLink("wan0");
  harness().CreateLink("wan1");
  int calls = 0;
  NetlinkHandlers handlers{.on_link =
                               [&](const LinkEvent&) {
                                 ++calls;
                                 harness().monitor().Stop();
                               },
                           .on_address = nullptr,
                           .on_synced = nullptr};
  ASSERT_TRUE(harness().monitor().Start(handlers));
  ASSERT_TRUE(RunUntil([&] { return calls > 0; }));
  harness().io().restart();
  harness().io().poll();
  EXPECT_EQ(calls, 1);
}

TEST_P(NetlinkMonitorContractTest, StartTwiceIsRefused) {
  Recorder recorder;
  ASSERT_TRUE(harness().monitor().Start(recorder.Handlers()));
  EXPECT_FALSE(harness().monitor().Start(recorder.Handlers()));
}

}  // namespace
}  // namespace uplinkd::net
