// The state store on a fake clock: typed snapshots from each part's source, one publication per
// loop turn however many changes it had, exactly the parts that differ, nothing before Start or
// after Stop, and subscriptions that end with their handle.
#include "state/state_store.h"

#include <gtest/gtest.h>

#include "base/fake_scheduler.h"

namespace uplinkd::state {
namespace {

using namespace std::chrono_literals;

class StateStoreTest : public ::testing::Test {
 protected:
  StateStoreTest() {
    store_.SetSource<StatePart::kDaemon>([this] { return daemon_; });
    store_.SetSource<StatePart::kWans>([this] {
      ++wan_reads_;
      return wans_;
    });
    store_.SetSource<StatePart::kLinks>([this] { return links_; });
    subscription_ = store_.Subscribe([this](const Snapshot& snapshot, const StateChanges& changes) {
      seen_.push_back(changes);
      last_ = snapshot;
    });
  }

  // The end of this loop turn: the zero-delay timers run.
  void EndOfTurn() { scheduler_.AdvanceBy(0ms); }

  static policy::WanStatus Wan(const char* name, bool usable) {
    policy::WanStatus wan;
    wan.name = name;
    wan.usable = usable;
    return wan;
  }

  FakeScheduler scheduler_;
  StateStore store_{scheduler_};
  DaemonState daemon_;
  std::vector<policy::WanStatus> wans_{Wan("cell1", true)};
  std::vector<net::LinkEntry> links_;
  int wan_reads_ = 0;
  std::vector<StateChanges> seen_;
  Snapshot last_;
  Subscription subscription_;
};

StateChanges Of(std::initializer_list<StatePart> parts) {
  StateChanges changes;
  for (StatePart part : parts) changes.Add(part);
  return changes;
}

TEST_F(StateStoreTest, NothingIsPublishedBeforeStartThenEveryPartOnce) {
  store_.MarkChanged();
  EndOfTurn();
  EXPECT_TRUE(seen_.empty());
  store_.Flush();  // quietly brings the snapshot up to date
  EXPECT_TRUE(seen_.empty());
  EXPECT_EQ(store_.snapshot().wans, wans_);
  store_.Start();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], StateChanges::All());
  EXPECT_EQ(last_.wans, wans_);
  EXPECT_EQ(store_.publications(), 1u);
}

TEST_F(StateStoreTest, ChangesOfOneLoopTurnAreCoalescedIntoOnePublication) {
  store_.Start();
  seen_.clear();
  int reads = wan_reads_;
  wans_[0].usable = false;
  store_.MarkChanged();
  daemon_.config_generation = 2;
  store_.MarkChanged();
  store_.MarkChanged();
  EXPECT_TRUE(seen_.empty()) << "published at the end of the turn, not inside it";
  EndOfTurn();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], Of({StatePart::kDaemon, StatePart::kWans}));
  EXPECT_EQ(wan_reads_, reads + 1) << "each source read once per publication";
  EXPECT_FALSE(last_.wans[0].usable);
  EXPECT_EQ(last_.daemon.config_generation, 2u);
  // The next turn is a new publication.
  links_.push_back({net::LinkEvent{3, "wwan0", true, true, 1500, false}, {}});
  store_.MarkChanged();
  EndOfTurn();
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1], Of({StatePart::kLinks}));
}

TEST_F(StateStoreTest, AChangeThatChangesNothingPublishesNothing) {
  store_.Start();
  seen_.clear();
  store_.MarkChanged();
  EndOfTurn();
  EXPECT_TRUE(seen_.empty());
  wans_[0].health.probes_sent = 1;  // a counter inside a part is a change of that part
  store_.MarkChanged();
  EndOfTurn();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], Of({StatePart::kWans}));
}

TEST_F(StateStoreTest, FlushPublishesNowAndCancelsTheEndOfTurnRefresh) {
  store_.Start();
  seen_.clear();
  daemon_.last_reload = "applied";
  store_.MarkChanged();
  store_.Flush();  // a D-Bus method's answer must follow its effect
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(last_.daemon.last_reload, "applied");
  EndOfTurn();
  EXPECT_EQ(seen_.size(), 1u);
}

TEST_F(StateStoreTest, SnapshotsAreStampedWithTheStoresClock) {
  scheduler_.AdvanceBy(5s);
  store_.Start();
  EXPECT_EQ(last_.taken, scheduler_.Now());
}

TEST_F(StateStoreTest, StopEndsPublicationAndAHandleEndsItsSubscription) {
  store_.Start();
  std::vector<StateChanges> second;
  auto other = store_.Subscribe([&](const Snapshot&, const StateChanges& changes) { second.push_back(changes); });
  wans_[0].usable = false;
  store_.MarkChanged();
  EndOfTurn();
  EXPECT_EQ(second.size(), 1u);
  other.Reset();
  wans_[0].usable = true;
  store_.MarkChanged();
  EndOfTurn();
  EXPECT_EQ(second.size(), 1u);
  EXPECT_EQ(seen_.size(), 3u);
  store_.Stop();
  wans_[0].usable = false;
  store_.MarkChanged();
  EndOfTurn();
  store_.Flush();
  EXPECT_EQ(seen_.size(), 3u);
}

TEST_F(StateStoreTest, AHandleMayOutliveTheStore) {
  Subscription survivor;
  {
    FakeScheduler scheduler;
    StateStore store(scheduler);
    survivor = store.Subscribe([](const Snapshot&, const StateChanges&) {});
  }
  survivor.Reset();  // nothing to remove any more, and no crash
  EXPECT_FALSE(survivor.active());
}

TEST_F(StateStoreTest, PartsWithoutASourceKeepTheirDefaults) {
  store_.Start();
  EXPECT_FALSE(last_.paths);
  EXPECT_TRUE(last_.modems.empty());
  EXPECT_FALSE(last_.alerts.relay);
}

}  // namespace
}  // namespace uplinkd::state
