// The conformance suite: what the measures rollup relies on — the record log read in pages, the
// measure buckets applied together with their cursor, read back by range, and expired — and the
// claim times that working time is measured from.
#include <string>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

MeasureBucket Delta(int64_t granularity_s, absl::Time start, std::string workflow, std::string step,
                    std::string measure, std::string label, int64_t count, double sum,
                    std::string version = "v1") {
  MeasureBucket delta;
  delta.granularity_s = granularity_s;
  delta.start = start;
  delta.workflow = std::move(workflow);
  delta.version = std::move(version);
  delta.step = std::move(step);
  delta.measure = std::move(measure);
  delta.label = std::move(label);
  delta.count = count;
  delta.sum = sum;
  return delta;
}

// "<measure>/<label>@<seconds after the epoch of At(0)>=<count>:<sum>" for compact comparisons.
std::vector<std::string> Describe(const std::vector<MeasureBucket>& buckets, absl::Time origin) {
  std::vector<std::string> out;
  for (const MeasureBucket& b : buckets) {
    out.push_back(absl::StrCat(b.step.empty() ? "" : b.step + ".", b.measure, "/", b.label, "@",
                               absl::ToInt64Seconds(b.start - origin), "=", b.count, ":", b.sum));
  }
  return out;
}

TEST_P(StoreConformanceTest, RecordsAreReadInPagesInSeqOrder) {
  Create(MakeRun("r1", ChainSteps(), At(1)));
  Create(MakeRun("r2", ChainSteps(), At(2)));
  ClaimedStep a = ClaimStep("r1", "a", At(3));
  ASSERT_OK(store().CommitStep(MakeCommit(a, StepResolution::kCompleted, At(4))).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Record> all, store().ScanRecords(0, 0));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].run_id, "r1");
  EXPECT_EQ(all[0].kind, "run.created");
  EXPECT_EQ(all[1].run_id, "r2");
  EXPECT_EQ(all[2].run_id, "r1");
  EXPECT_EQ(all[2].step_id, "a");
  EXPECT_EQ(all[2].at, At(4));
  EXPECT_LT(all[0].seq, all[1].seq);
  EXPECT_LT(all[1].seq, all[2].seq);

  ASSERT_OK_AND_ASSIGN(std::vector<Record> page, store().ScanRecords(0, 2));
  ASSERT_EQ(page.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> rest, store().ScanRecords(page.back().seq, 2));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].seq, all[2].seq);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> none, store().ScanRecords(all[2].seq, 10));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(StoreConformanceTest, MeasureBatchesAddUpAndMoveTheCursor) {
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetMeasureCursor());
  EXPECT_EQ(cursor, 0);

  MeasureBatch first;
  first.from_seq = 0;
  first.to_seq = 7;
  first.deltas = {Delta(60, At(0), "wf", "", "runs.completed", "", 2, 0),
                  Delta(60, At(0), "wf", "", "latency.run", "1", 2, 1.5),
                  Delta(60, At(60), "wf", "", "runs.completed", "", 1, 0),
                  Delta(60, At(0), "wf", "read", "steps.completed", "", 3, 0)};
  ASSERT_OK(store().ApplyMeasures(first));
  ASSERT_OK_AND_ASSIGN(cursor, store().GetMeasureCursor());
  EXPECT_EQ(cursor, 7);

  MeasureBatch second;
  second.from_seq = 7;
  second.to_seq = 9;
  second.deltas = {Delta(60, At(0), "wf", "", "runs.completed", "", 1, 0),
                   Delta(60, At(0), "wf", "", "latency.run", "1", 1, 0.25)};
  ASSERT_OK(store().ApplyMeasures(second));

  MeasureFilter filter;
  filter.workflow = "wf";
  filter.granularity_s = 60;
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> buckets, store().ListMeasures(filter));
  EXPECT_THAT(Describe(buckets, At(0)),
              ElementsAre("latency.run/1@0=3:1.75", "runs.completed/@0=3:0",
                          "read.steps.completed/@0=3:0", "runs.completed/@60=1:0"));
  EXPECT_EQ(buckets[0].workflow, "wf");
  EXPECT_EQ(buckets[0].version, "v1");
  EXPECT_EQ(buckets[0].granularity_s, 60);
}

TEST_P(StoreConformanceTest, AStaleMeasureBatchChangesNothing) {
  MeasureBatch batch;
  batch.from_seq = 0;
  batch.to_seq = 5;
  batch.deltas = {Delta(3600, At(0), "wf", "", "runs.started", "", 5, 0)};
  ASSERT_OK(store().ApplyMeasures(batch));
  // The same records folded again (a second rollup, or a retry after a lost reply).
  absl::Status again = store().ApplyMeasures(batch);
  EXPECT_EQ(again.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(again.message()), HasSubstr("cursor"));

  MeasureFilter filter;
  filter.workflow = "wf";
  filter.granularity_s = 3600;
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> buckets, store().ListMeasures(filter));
  EXPECT_THAT(Describe(buckets, At(0)), ElementsAre("runs.started/@0=5:0"));
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetMeasureCursor());
  EXPECT_EQ(cursor, 5);

  MeasureBatch backwards;
  backwards.from_seq = 5;
  backwards.to_seq = 4;
  EXPECT_EQ(store().ApplyMeasures(backwards).code(), absl::StatusCode::kInvalidArgument);
  MeasureBatch nameless;
  nameless.from_seq = 5;
  nameless.to_seq = 6;
  nameless.deltas = {Delta(60, At(0), "", "", "runs.started", "", 1, 0)};
  EXPECT_EQ(store().ApplyMeasures(nameless).code(), absl::StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(cursor, store().GetMeasureCursor());
  EXPECT_EQ(cursor, 5);  // refused batches do not move it either
}

TEST_P(StoreConformanceTest, MeasuresAreListedByRangeVersionAndStep) {
  MeasureBatch batch;
  batch.from_seq = 0;
  batch.to_seq = 1;
  batch.deltas = {
      Delta(3600, At(0), "wf", "", "runs.started", "", 1, 0),
      Delta(3600, At(3600), "wf", "", "runs.started", "", 2, 0),
      Delta(3600, At(3600), "wf", "", "runs.started", "", 4, 0, "v2"),
      Delta(3600, At(3600), "wf", "read", "steps.completed", "", 8, 0),
      Delta(3600, At(7200), "wf", "", "runs.started", "", 16, 0),
      Delta(3600, At(3600), "other", "", "runs.started", "", 32, 0),
      Delta(86400, At(0), "wf", "", "runs.started", "", 64, 0),
      Delta(0, absl::UnixEpoch(), "wf", "", "runs.started", "", 128, 0),
  };
  ASSERT_OK(store().ApplyMeasures(batch));

  MeasureFilter filter;
  filter.workflow = "wf";
  filter.granularity_s = 3600;
  filter.from = At(3600);
  filter.until = At(7200);
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> hour, store().ListMeasures(filter));
  ASSERT_EQ(hour.size(), 3u);
  EXPECT_EQ(hour[0].count, 2);  // v1 before v2, run level before steps
  EXPECT_EQ(hour[1].count, 8);
  EXPECT_EQ(hour[2].count, 4);
  EXPECT_EQ(hour[2].version, "v2");

  filter.version = "v1";
  filter.step = "";
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> run_level, store().ListMeasures(filter));
  ASSERT_EQ(run_level.size(), 1u);
  EXPECT_EQ(run_level[0].count, 2);
  filter.step = "read";
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> read, store().ListMeasures(filter));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0].count, 8);

  MeasureFilter totals;
  totals.workflow = "wf";
  totals.granularity_s = 0;
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> all_time, store().ListMeasures(totals));
  ASSERT_EQ(all_time.size(), 1u);
  EXPECT_EQ(all_time[0].count, 128);
  EXPECT_EQ(all_time[0].start, absl::UnixEpoch());

  EXPECT_EQ(store().ListMeasures(MeasureFilter{}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, ExpiredMeasureBucketsAreDeletedPerGranularity) {
  MeasureBatch batch;
  batch.from_seq = 0;
  batch.to_seq = 1;
  for (const char* workflow : {"a", "b"}) {
    batch.deltas.push_back(Delta(60, At(0), workflow, "", "runs.started", "", 1, 0));
    batch.deltas.push_back(Delta(60, At(60), workflow, "", "runs.started", "", 1, 0));
    batch.deltas.push_back(Delta(3600, At(0), workflow, "", "runs.started", "", 2, 0));
    batch.deltas.push_back(Delta(0, absl::UnixEpoch(), workflow, "", "runs.started", "", 2, 0));
  }
  ASSERT_OK(store().ApplyMeasures(batch));
  ASSERT_OK_AND_ASSIGN(int64_t deleted, store().DeleteMeasures(60, At(60)));
  EXPECT_EQ(deleted, 2);  // the first minute of both workflows

  for (const char* workflow : {"a", "b"}) {
    MeasureFilter minutes;
    minutes.workflow = workflow;
    minutes.granularity_s = 60;
    ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> left, store().ListMeasures(minutes));
    EXPECT_THAT(Describe(left, At(0)), ElementsAre("runs.started/@60=1:0"));
    MeasureFilter hours = minutes;
    hours.granularity_s = 3600;
    ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> kept, store().ListMeasures(hours));
    EXPECT_EQ(kept.size(), 1u);
  }
  EXPECT_EQ(store().DeleteMeasures(0, At(1000)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, AClaimRemembersWhenItBegan) {
  ASSERT_TRUE(OpenTaskWith(store(), "r1", MakeTask("t1", "q", "T", 0, std::nullopt, "{}"), At(1)));
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_FALSE(task.claimed_at.has_value());

  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "ann", At(10), absl::Minutes(5)));
  EXPECT_EQ(task.claimed_at, At(10));
  // Renewing a live claim keeps its beginning.
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "ann", At(100), absl::Minutes(5)));
  EXPECT_EQ(task.claimed_at, At(10));
  // Released: nobody holds it.
  ASSERT_OK(store().ReleaseTask("t1", "ann"));
  ASSERT_OK_AND_ASSIGN(task, store().GetTask("t1"));
  EXPECT_FALSE(task.claimed_at.has_value());
  // A claim after an expired one begins anew, even by the same person.
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "bob", At(200), absl::Minutes(1)));
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "bob", At(400), absl::Minutes(5)));
  EXPECT_EQ(task.claimed_at, At(400));
  // Kept on the resolved task.
  ASSERT_OK_AND_ASSIGN(task, store().ResolveTask(Decide("t1", "bob", "approve", "{}", At(460))));
  EXPECT_EQ(task.claimed_at, At(400));
  EXPECT_EQ(task.resolved_at, At(460));
}

}  // namespace
}  // namespace flowline::store::testing
