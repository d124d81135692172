#include "engine/heartbeat.h"

#include <memory>

#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::engine {
namespace {

class HeartbeatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened =
        store::sqlite::SqliteStore::Open(store::sqlite::ScratchStoreOptions(dir_.File("h.db")));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    EngineOptions options;
    options.workers = 0;
    options.worker_id = "host-1:77:abcd";
    engine_ = std::make_unique<Engine>(options, *store_, registry_, clock_, random_, nullptr);
  }

  std::vector<store::WorkerHeartbeat> Workers() {
    absl::StatusOr<std::vector<store::WorkerHeartbeat>> workers =
        store_->ListWorkers(absl::InfinitePast());
    EXPECT_TRUE(workers.ok()) << workers.status();
    return workers.ok() ? *workers : std::vector<store::WorkerHeartbeat>{};
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{7};
  steps::StepKindRegistry registry_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<Engine> engine_;
};

TEST_F(HeartbeatTest, StartWritesTheFirstHeartbeatAndEachBeatMovesSeenAt) {
  const absl::Time started = clock_.Now();
  // A long interval: the thread does not beat during the test; Beat() does, deterministically.
  Heartbeat heartbeat(*store_, *engine_, clock_,
                      {.role = "worker", .workers = 6, .every = absl::Hours(1)});
  ASSERT_TRUE(heartbeat.Start().ok());
  std::vector<store::WorkerHeartbeat> workers = Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].worker_id, "host-1:77:abcd");  // the engine's lease owner name
  EXPECT_FALSE(workers[0].host.empty());
  EXPECT_GT(workers[0].pid, 0);
  EXPECT_EQ(workers[0].role, "worker");
  EXPECT_EQ(workers[0].flowline_version, FlowlineVersion());
  EXPECT_EQ(workers[0].workers, 6);
  EXPECT_EQ(workers[0].steps_running, 0);
  EXPECT_EQ(workers[0].started_at, started);
  EXPECT_EQ(workers[0].seen_at, started);

  clock_.Advance(absl::Seconds(5));
  absl::StatusOr<store::WorkerHeartbeat> beat = heartbeat.Beat();
  ASSERT_TRUE(beat.ok()) << beat.status();
  workers = Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].started_at, started);
  EXPECT_EQ(workers[0].seen_at, started + absl::Seconds(5));

  clock_.Advance(absl::Seconds(1));
  heartbeat.Stop();  // the last word
  workers = Workers();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(workers[0].seen_at, started + absl::Seconds(6));
}

TEST_F(HeartbeatTest, AStoppedHeartbeatThatNeverStartedWritesNothing) {
  { Heartbeat heartbeat(*store_, *engine_, clock_, {.role = "serve"}); }
  EXPECT_TRUE(Workers().empty());
}

}  // namespace
}  // namespace flowline::engine
