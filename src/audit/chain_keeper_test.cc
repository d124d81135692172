#include "audit/chain_keeper.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "audit/audit_test_base.h"
#include "gtest/gtest.h"

namespace flowline::audit {
namespace {

absl::Time Day(int day) { return absl::FromUnixSeconds(1'700'000'000) + absl::Hours(24) * day; }

class ChainKeeperTest : public AuditStoreTest {
 protected:
  void AddRun(absl::Time at) {
    AuditStoreTest::AddRun(absl::StrCat("r", ++runs_), at,
                           {store::NewRecord{"", "run.created", "system", "{}"}});
  }

  int64_t LatestSeq() {
    auto latest = store_->LatestCheckpoint();
    EXPECT_TRUE(latest.ok());
    return latest.ok() && latest->has_value() ? (*latest)->seq : 0;
  }

  int runs_ = 0;
};

TEST_F(ChainKeeperTest, SignsTheHeadEachIntervalWhenItMovedAndAtShutdown) {
  ChainKeeperOptions options;
  options.checkpoint_every = absl::Minutes(1);
  ChainKeeper keeper(*store_, *key_, options);
  const absl::Time t0 = Day(0);
  AddRun(t0);
  ASSERT_TRUE(keeper.Tick(t0).ok());
  EXPECT_EQ(LatestSeq(), 0);  // the first checkpoint comes an interval later
  ASSERT_TRUE(keeper.Tick(t0 + absl::Seconds(30)).ok());
  EXPECT_EQ(LatestSeq(), 0);
  ASSERT_TRUE(keeper.Tick(t0 + absl::Seconds(61)).ok());
  EXPECT_EQ(LatestSeq(), 1);
  // The head did not move: no new checkpoint.
  ASSERT_TRUE(keeper.Tick(t0 + absl::Seconds(130)).ok());
  EXPECT_EQ(keeper.checkpoints_written(), 1);
  AddRun(t0 + absl::Seconds(140));
  ASSERT_TRUE(keeper.Tick(t0 + absl::Seconds(150)).ok());
  EXPECT_EQ(LatestSeq(), 1);  // not yet an interval since the last look
  ASSERT_TRUE(keeper.Tick(t0 + absl::Seconds(191)).ok());
  EXPECT_EQ(LatestSeq(), 2);
  AddRun(t0 + absl::Seconds(195));
  ASSERT_TRUE(keeper.Shutdown(t0 + absl::Seconds(196)).ok());
  EXPECT_EQ(LatestSeq(), 3);
  auto latest = store_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ((*latest)->reason, "shutdown");
  EXPECT_EQ(keeper.checkpoints_written(), 3);
}

TEST_F(ChainKeeperTest, PrunesExpiredRecordsAtItsInterval) {
  ChainKeeperOptions options;
  options.retention = Retention{6, 0};
  options.prune_every = absl::Hours(1);
  ChainKeeper keeper(*store_, *key_, options);
  AddRun(Day(0));
  AddRun(Day(100));
  AddRun(Day(250));
  ASSERT_TRUE(keeper.Tick(Day(260)).ok());  // cutoff ~ day 77: the first record goes
  EXPECT_EQ(keeper.records_pruned(), 1);
  ASSERT_TRUE(keeper.Tick(Day(300)).ok());  // cutoff ~ day 117: the second
  EXPECT_EQ(keeper.records_pruned(), 2);
  auto rest = store_->ScanRecords(0, 0);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->front().run_id, "r3");
}

}  // namespace
}  // namespace flowline::audit
