// The conformance suite: worker heartbeats (the processes sharing a store, for the health
// endpoint and docs/scale-out.md).
#include <string>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

WorkerHeartbeat Heartbeat(const std::string& worker_id, const std::string& role, absl::Time seen_at,
                          int steps_running = 0) {
  WorkerHeartbeat heartbeat;
  heartbeat.worker_id = worker_id;
  heartbeat.host = "host-" + worker_id;
  heartbeat.pid = 4000 + static_cast<int64_t>(worker_id.size());
  heartbeat.role = role;
  heartbeat.flowline_version = "0.1.0";
  heartbeat.started_at = absl::FromUnixSeconds(1'700'000'000);
  heartbeat.seen_at = seen_at;
  heartbeat.workers = role == "serve" ? 0 : 8;
  heartbeat.steps_running = steps_running;
  return heartbeat;
}

std::vector<std::string> Ids(const std::vector<WorkerHeartbeat>& workers) {
  std::vector<std::string> ids;
  for (const WorkerHeartbeat& worker : workers) ids.push_back(worker.worker_id);
  return ids;
}

TEST_P(StoreConformanceTest, WorkerHeartbeatsReplaceTheProcessesPreviousOne) {
  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> none, store().ListWorkers(At(0)));
  EXPECT_THAT(none, IsEmpty());

  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("w2", "worker", At(10), 3)));
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("w1", "serve", At(11))));
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("w2", "worker", At(15), 5)));

  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> workers, store().ListWorkers(At(0)));
  ASSERT_THAT(Ids(workers), ElementsAre("w1", "w2"));  // by worker_id, one row each
  const WorkerHeartbeat& w1 = workers[0];
  EXPECT_EQ(w1.host, "host-w1");
  EXPECT_EQ(w1.pid, 4002);
  EXPECT_EQ(w1.role, "serve");
  EXPECT_EQ(w1.flowline_version, "0.1.0");
  EXPECT_EQ(w1.started_at, absl::FromUnixSeconds(1'700'000'000));
  EXPECT_EQ(w1.seen_at, At(11));
  EXPECT_EQ(w1.workers, 0);
  EXPECT_EQ(w1.steps_running, 0);
  const WorkerHeartbeat& w2 = workers[1];
  EXPECT_EQ(w2.role, "worker");
  EXPECT_EQ(w2.seen_at, At(15));  // the newest heartbeat wins
  EXPECT_EQ(w2.workers, 8);
  EXPECT_EQ(w2.steps_running, 5);
}

TEST_P(StoreConformanceTest, ListWorkersKeepsThoseSeenSinceAndForgetsOnesQuietForADay) {
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("old", "worker", At(100))));
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("new", "worker", At(160))));

  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> recent, store().ListWorkers(At(160)));
  EXPECT_THAT(Ids(recent), ElementsAre("new"));  // seen_at >= seen_since, inclusive
  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> both, store().ListWorkers(At(100)));
  EXPECT_THAT(Ids(both), ElementsAre("new", "old"));

  // A heartbeat deletes the processes not seen for a day before it, so restarts do not pile up.
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("new", "worker", At(100 + 24 * 3600))));
  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> kept, store().ListWorkers(At(0)));
  EXPECT_THAT(Ids(kept), ElementsAre("new", "old"));  // exactly a day: still kept
  ASSERT_OK(store().PutWorkerHeartbeat(Heartbeat("new", "worker", At(101 + 24 * 3600))));
  ASSERT_OK_AND_ASSIGN(std::vector<WorkerHeartbeat> forgotten, store().ListWorkers(At(0)));
  EXPECT_THAT(Ids(forgotten), ElementsAre("new"));
}

TEST_P(StoreConformanceTest, WorkerHeartbeatNeedsAnId) {
  absl::Status status = store().PutWorkerHeartbeat(Heartbeat("", "worker", At(1)));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::store::testing
