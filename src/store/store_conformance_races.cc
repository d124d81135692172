// The conformance suite: the background jobs' writes under races. On PostgreSQL every `flowline
// serve` runs the measures rollup, the drift ingest, the corrections fold and the drift checks
// (docs/scale-out.md), so two processes may write the same cursor or raise the same alert at
// the same moment. Their cursors are compare-and-set: of the writers that started from one
// cursor exactly one wins, the others change nothing and are told to read again; nothing is
// counted twice, and one ongoing finding stays one alert.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::SizeIs;

constexpr int kRacers = 8;

// Runs `attempt(i)` on kRacers threads at once and counts the outcomes by code.
struct Outcomes {
  std::atomic<int> ok{0};
  std::atomic<int> refused{0};  // FailedPrecondition: the caller should read again
  std::atomic<int> other{0};
};

template <typename Attempt>
void Race(Outcomes& outcomes, Attempt attempt) {
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kRacers; ++i) {
    threads.emplace_back([&, i] {
      while (!go.load()) std::this_thread::yield();
      const absl::Status status = attempt(i);
      if (status.ok()) {
        ++outcomes.ok;
      } else if (status.code() == absl::StatusCode::kFailedPrecondition) {
        ++outcomes.refused;
      } else {
        ++outcomes.other;
        ADD_FAILURE() << "racer " << i << ": " << status;
      }
    });
  }
  go = true;
  for (std::thread& thread : threads) thread.join();
}

MeasureBucket OneRunStarted() {
  MeasureBucket delta;
  delta.granularity_s = 3600;
  delta.start = absl::FromUnixSeconds(1'700'000'000);
  delta.workflow = "wf";
  delta.version = "v1";
  delta.measure = "runs.started";
  delta.count = 1;
  delta.sum = 1;
  return delta;
}

TEST_P(StoreConformanceTest, RollupsRacingFromOneCursorFoldTheRecordsOnce) {
  Outcomes outcomes;
  Race(outcomes, [&](int) {
    MeasureBatch batch{0, 5, {OneRunStarted()}};
    return this->store().ApplyMeasures(batch);
  });
  EXPECT_EQ(outcomes.ok.load(), 1);
  EXPECT_EQ(outcomes.refused.load(), kRacers - 1);
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetMeasureCursor());
  EXPECT_EQ(cursor, 5);
  MeasureFilter filter;
  filter.workflow = "wf";
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> buckets, store().ListMeasures(filter));
  ASSERT_THAT(buckets, SizeIs(1));
  EXPECT_EQ(buckets[0].count, 1);
}

TEST_P(StoreConformanceTest, RollupsThatReadAgainAfterLosingFoldEveryRecordOnce) {
  constexpr int64_t kRecords = 40;
  std::atomic<int> applied{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (;;) {
        absl::StatusOr<int64_t> cursor = this->store().GetMeasureCursor();
        if (!cursor.ok()) {
          ++errors;
          return;
        }
        if (*cursor >= kRecords) return;
        const absl::Status status =
            this->store().ApplyMeasures(MeasureBatch{*cursor, *cursor + 1, {OneRunStarted()}});
        if (status.ok()) {
          ++applied;
        } else if (status.code() != absl::StatusCode::kFailedPrecondition) {
          ++errors;
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  EXPECT_EQ(applied.load(), kRecords);
  MeasureFilter filter;
  filter.workflow = "wf";
  ASSERT_OK_AND_ASSIGN(std::vector<MeasureBucket> buckets, store().ListMeasures(filter));
  ASSERT_THAT(buckets, SizeIs(1));
  EXPECT_EQ(buckets[0].count, kRecords);
}

TEST_P(StoreConformanceTest, DriftIngestsRacingFromOneCursorWriteOnce) {
  Outcomes outcomes;
  Race(outcomes, [&](int i) {
    DriftIngest ingest{
        0,
        9,
        {DriftBucket{"wf", "amount", At(0), "numeric", absl::StrCat(R"({"racer":)", i, "}")}}};
    return this->store().CommitDriftIngest(ingest);
  });
  EXPECT_EQ(outcomes.ok.load(), 1);
  EXPECT_EQ(outcomes.refused.load(), kRacers - 1);
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetDriftCursor());
  EXPECT_EQ(cursor, 9);
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> buckets, store().ListDriftBuckets({"wf", ""}));
  EXPECT_THAT(buckets, SizeIs(1));
}

TEST_P(StoreConformanceTest, CorrectionFoldsRacingFromOneCursorAddTheirCasesOnce) {
  Outcomes outcomes;
  Race(outcomes, [&](int i) {
    DatasetAppend fold;
    fold.dataset.name = "wf.reviewed";
    fold.dataset.workflow = "wf";
    NewDatasetCase c;
    c.case_key = absl::StrCat("task-", i);
    c.source = absl::StrCat("review:task-", i);
    fold.cases = {c};
    fold.now = At(1);
    fold.feed_from = 0;
    fold.feed_to = 3;
    return this->store().AppendDatasetCases(fold).status();
  });
  EXPECT_EQ(outcomes.ok.load(), 1);
  EXPECT_EQ(outcomes.refused.load(), kRacers - 1);
  ASSERT_OK_AND_ASSIGN(DatasetInfo info, store().GetDataset("wf.reviewed"));
  EXPECT_EQ(info.feed_seq, 3);
  EXPECT_EQ(info.latest_version, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> cases, store().ListDatasetCases("wf.reviewed", 0));
  EXPECT_THAT(cases, SizeIs(1));
}

TEST_P(StoreConformanceTest, AppendsRacingOnANewDatasetMakeOneVersionEach) {
  Outcomes outcomes;
  Race(outcomes, [&](int i) {
    DatasetAppend append;
    append.dataset.name = "inv";
    NewDatasetCase c;
    c.case_key = absl::StrCat("case-", i);
    append.cases = {c};
    append.now = At(i);
    return this->store().AppendDatasetCases(append).status();
  });
  EXPECT_EQ(outcomes.ok.load(), kRacers);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetVersion> versions, store().ListDatasetVersions("inv"));
  ASSERT_THAT(versions, SizeIs(kRacers));
  for (int v = 0; v < kRacers; ++v) {
    EXPECT_EQ(versions[v].version, v + 1);
    EXPECT_EQ(versions[v].case_count, v + 1);  // each version adds one case to the one before
  }
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> cases, store().ListDatasetCases("inv", 0));
  EXPECT_THAT(cases, SizeIs(kRacers));
}

TEST_P(StoreConformanceTest, ChecksRacingOnOneFindingOpenOneAlert) {
  Outcomes outcomes;
  std::atomic<int> opened{0};
  Race(outcomes, [&](int i) {
    AlertRaise raise;
    raise.alert_id = absl::StrCat("al_", i);
    raise.workflow = "wf";
    raise.kind = "drift";
    raise.subject = "amount";
    raise.summary = "PSI 0.8";
    raise.detail_json = "{}";
    raise.now = At(10);
    raise.notify_url = "https://hooks.example/drift";
    raise.notification_json = R"({"event":"alert.opened"})";
    absl::StatusOr<AlertRaised> raised = this->store().RaiseAlert(raise);
    if (raised.ok() && raised->opened) ++opened;
    return raised.status();
  });
  EXPECT_EQ(outcomes.ok.load(), kRacers);
  EXPECT_EQ(opened.load(), 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> alerts, store().ListAlerts({}));
  ASSERT_THAT(alerts, SizeIs(1));
  EXPECT_EQ(alerts[0].occurrences, kRacers);
  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(30), 100));
  EXPECT_THAT(due, SizeIs(1));
}

TEST_P(StoreConformanceTest, PeopleRacingOnOneAlertAcknowledgeItOnce) {
  AlertRaise raise;
  raise.alert_id = "al_1";
  raise.workflow = "wf";
  raise.kind = "drift";
  raise.subject = "amount";
  raise.now = At(1);
  ASSERT_OK(store().RaiseAlert(raise).status());
  Outcomes outcomes;
  Race(outcomes, [&](int i) {
    return this->store().AcknowledgeAlert("al_1", absl::StrCat("user-", i), At(2)).status();
  });
  EXPECT_EQ(outcomes.ok.load(), 1);
  EXPECT_EQ(outcomes.refused.load(), kRacers - 1);

  Outcomes resolutions;
  Race(resolutions, [&](int i) {
    AlertResolve resolve;
    resolve.alert_id = "al_1";
    resolve.by = absl::StrCat("user-", i);
    resolve.now = At(3);
    return this->store().ResolveAlert(resolve).status();
  });
  EXPECT_EQ(resolutions.ok.load(), 1);
  EXPECT_EQ(resolutions.refused.load(), kRacers - 1);
}

}  // namespace
}  // namespace flowline::store::testing
