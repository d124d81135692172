// The drift check on a real SQLite store: histograms filled from the decision record exactly
// once, windows, and the alert life cycle with its webhook notifications. Records are written
// with the runs that carry them (as the engine would), at chosen times.
#include "monitor/drift_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"
#include "store/testing/test_stores.h"

namespace flowline::monitor {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

absl::Time Day(double days) { return kStart + absl::Hours(24 * days); }

class FixedCatalog final : public MonitorCatalog {
 public:
  explicit FixedCatalog(MonitorConfig config)
      : config_(std::make_shared<MonitorConfig>(std::move(config))) {}
  absl::StatusOr<std::shared_ptr<const MonitorConfig>> ForVersion(
      const std::string& workflow, const std::string& version) override {
    ++version_lookups;
    if (version == "v-gone") return absl::InvalidArgumentError("its model is missing");
    return ForWorkflow(workflow);
  }
  absl::StatusOr<std::shared_ptr<const MonitorConfig>> ForWorkflow(
      const std::string& workflow) override {
    if (workflow != config_->workflow) return absl::NotFoundError("unknown workflow " + workflow);
    return config_;
  }
  std::shared_ptr<MonitorConfig> config_;
  int version_lookups = 0;
};

MonitorConfig AmountConfig() {
  MonitorConfig config;
  config.workflow = "wf";
  config.version = "v1";
  config.gate_step = "review";
  config.notify_url = "https://hooks.example/drift";
  std::string error;
  FeatureSpec amount = *ParseFeatureFrom("input.amount", &error);
  amount.name = "input.amount";
  amount.type = FeatureType::kNumeric;
  FeatureSpec through = *ParseFeatureFrom("straight_through", &error);
  through.name = "straight_through";
  config.features = {amount, through};
  for (FeatureSpec& f : config.features) f.thresholds = config.spec.thresholds;
  return config;
}

// SQLite as a scratch store (no fsync per run: the tests create thousands), PostgreSQL on a fresh
// schema of the test cluster.
absl::StatusOr<std::unique_ptr<store::Store>> OpenStore(const std::string& kind,
                                                        const std::string& sqlite_path) {
  if (kind != "sqlite") return store::testing::OpenTestStore(kind, sqlite_path);
  auto opened = store::sqlite::SqliteStore::Open(store::sqlite::ScratchStoreOptions(sqlite_path));
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<store::Store>(std::move(*opened));
}

// Runs on every store kind (store/testing/test_stores.h): the drift cursor, buckets, reports and
// alerts behave alike on SQLite and PostgreSQL.
class DriftCheckTest : public ::testing::TestWithParam<const char*> {
 protected:
  DriftCheckTest() : catalog_(AmountConfig()), clock_(kStart), random_(7) {
    auto opened = OpenStore(GetParam(), dir_.File("flowline.db"));
    EXPECT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    store::VersionInfo version{"wf", "v1", "workflow: wf", "wf.yaml", kStart};
    EXPECT_TRUE(store_->PutVersion(version).ok());
  }

  // A run at `at` with input {"amount": amount} whose gate let it through (or not).
  void AddRun(absl::Time at, double amount, bool straight_through = true,
              const std::string& version = "v1") {
    store::NewRun run;
    run.run_id = absl::StrCat("run_", ++runs_);
    run.workflow = "wf";
    run.version = version;
    run.input_json = absl::StrCat(R"({"amount":)", amount, "}");
    run.now = at;
    run.steps = {{"review", 0}, {store::kEndStepId, 1}};
    run.records.push_back({"", "run.created", "system", "{}"});
    if (straight_through) {
      run.records.push_back(
          {"review", "step.completed", "human:review", R"({"output":{"decision":"auto"}})"});
    } else {
      run.records.push_back({"review", "task.opened", "human:review", R"({"task_id":"t"})"});
    }
    ASSERT_TRUE(store_->CreateRun(run).ok());
  }

  // `per_day` runs a day for days [from, until), amounts around `median`.
  void AddDays(int from, int until, int per_day, double median, double straight_through = 0.7) {
    std::lognormal_distribution<double> amounts(std::log(median), 0.5);
    std::uniform_real_distribution<double> unit(0, 1);
    for (int day = from; day < until; ++day) {
      for (int i = 0; i < per_day; ++i) {
        AddRun(Day(day + (i + 0.5) / per_day), std::round(amounts(rng_) * 100) / 100,
               unit(rng_) < straight_through);
      }
    }
  }

  DriftMonitor Monitor(int batch = 2000) {
    return DriftMonitor(*store_, catalog_, clock_, random_, DriftMonitorOptions{batch});
  }

  int64_t BucketTotal(const std::string& feature) {
    auto buckets = store_->ListDriftBuckets({"wf", feature});
    EXPECT_TRUE(buckets.ok());
    int64_t total = 0;
    for (const store::DriftBucket& b : *buckets) {
      auto h = FeatureHistogram::FromJson(*ParseFeatureType(b.type), b.histogram_json, "test");
      EXPECT_TRUE(h.ok());
      total += h->count();
    }
    return total;
  }

  common::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  FixedCatalog catalog_;
  common::FakeClock clock_;
  common::SeededRandom random_;
  std::mt19937_64 rng_{11};
  int runs_ = 0;
};

TEST_P(DriftCheckTest, IngestCountsEveryRecordOnceAcrossBatchesAndRuns) {
  AddDays(0, 2, 30, 100);
  DriftMonitor monitor = Monitor(/*batch=*/7);
  absl::StatusOr<IngestStats> first = monitor.Ingest();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->records, 120);  // two records per run
  EXPECT_EQ(first->values, 120);   // an amount and a straight-through value per run
  EXPECT_EQ(BucketTotal("input.amount"), 60);
  EXPECT_EQ(BucketTotal("straight_through"), 60);

  // Nothing new: nothing read, nothing counted twice.
  absl::StatusOr<IngestStats> again = monitor.Ingest();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records, 0);
  EXPECT_EQ(BucketTotal("input.amount"), 60);

  // New records, some in an hour that already has a bucket: merged into it.
  AddRun(Day(1) + absl::Minutes(1), 120);
  AddDays(2, 3, 10, 100);
  absl::StatusOr<IngestStats> more = Monitor(3).Ingest();
  ASSERT_TRUE(more.ok());
  EXPECT_EQ(more->records, 22);
  EXPECT_EQ(BucketTotal("input.amount"), 71);
  auto buckets = store_->ListDriftBuckets({"wf", "input.amount", Day(1), Day(1) + absl::Hours(1)});
  ASSERT_TRUE(buckets.ok());
  ASSERT_EQ(buckets->size(), 1u);
  // The hour held one run (at 00:24); the late one at 00:01 is merged into its bucket.
  EXPECT_THAT(buckets->front().histogram_json, HasSubstr(R"("n":2)"));
}

TEST_P(DriftCheckTest, RecordsOfAVersionThatCannotBePreparedAreSkipped) {
  AddRun(Day(0), 100);
  AddRun(Day(0) + absl::Minutes(1), 100, true, "v-gone");
  AddRun(Day(0) + absl::Minutes(2), 100);
  absl::StatusOr<IngestStats> stats = Monitor().Ingest();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ(stats->records, 6);
  EXPECT_EQ(stats->skipped, 2);
  EXPECT_EQ(BucketTotal("input.amount"), 2);
}

TEST_P(DriftCheckTest, NothingIsTestedBeforeTheReferenceWindowEnds) {
  AddDays(0, 5, 50, 100);
  clock_.Set(Day(5));
  absl::StatusOr<DriftReport> report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_FALSE(report->windows.ready());
  ASSERT_EQ(report->features.size(), 2u);
  for (const FeatureDrift& f : report->features) {
    EXPECT_EQ(f.status, DriftStatus::kWarmingUp);
    EXPECT_THAT(f.summary, HasSubstr("checks begin at 2026-01-22T00:00:00.000Z"));
  }
  EXPECT_THAT(report->alerts_opened, IsEmpty());
}

TEST_P(DriftCheckTest, ADriftOpensOneAlertThatTheCheckResolvesWhenItIsOver) {
  AddDays(0, 14, 40, 100);   // the reference: amounts around 100
  AddDays(14, 21, 40, 300);  // recent: three times as much
  clock_.Set(Day(21));
  absl::StatusOr<DriftReport> report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->windows.ready());
  EXPECT_EQ(report->windows.reference_from, Day(0));
  EXPECT_EQ(report->windows.reference_until, Day(14));
  EXPECT_EQ(report->windows.recent_from, Day(14));
  ASSERT_EQ(report->features.size(), 2u);
  EXPECT_EQ(report->features[0].feature, "input.amount");
  EXPECT_EQ(report->features[0].status, DriftStatus::kDrift) << report->features[0].summary;
  EXPECT_EQ(report->features[1].status, DriftStatus::kOk) << report->features[1].summary;
  ASSERT_EQ(report->alerts_opened.size(), 1u);

  auto alert = store_->GetAlert(report->alerts_opened[0]);
  ASSERT_TRUE(alert.ok());
  EXPECT_EQ(alert->subject, "input.amount");
  EXPECT_EQ(alert->kind, "drift");
  EXPECT_EQ(alert->status, store::AlertStatus::kOpen);
  EXPECT_THAT(alert->summary, HasSubstr("input.amount drifted: PSI"));
  EXPECT_THAT(alert->detail_json, HasSubstr(R"("windows")"));
  auto due = store_->ListDueNotifications(Day(30), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).url, "https://hooks.example/drift");
  EXPECT_THAT(due->at(0).payload_json, HasSubstr(R"("event":"alert.opened")"));
  EXPECT_THAT(due->at(0).payload_json, HasSubstr(report->alerts_opened[0]));

  // The stored report is what the dashboard reads.
  auto stored = store_->GetDriftReport("wf");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->checked_at, Day(21));
  EXPECT_THAT(stored->report_json, HasSubstr(R"("status":"drift")"));

  // A day later it still drifts: the same alert, seen twice, no second notification.
  AddDays(21, 22, 40, 300);
  clock_.Set(Day(22));
  report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(report->alerts_opened, IsEmpty());
  alert = store_->GetAlert(alert->alert_id);
  EXPECT_EQ(alert->occurrences, 2);
  EXPECT_EQ(store_->ListDueNotifications(Day(30), 10)->size(), 1u);

  // Amounts come back; once the recent window is normal again the check resolves the alert.
  AddDays(22, 30, 40, 100);
  clock_.Set(Day(30));
  report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->features[0].status, DriftStatus::kOk) << report->features[0].summary;
  EXPECT_THAT(report->alerts_resolved, ElementsAre(alert->alert_id));
  alert = store_->GetAlert(alert->alert_id);
  EXPECT_EQ(alert->status, store::AlertStatus::kResolved);
  EXPECT_EQ(alert->resolved_by, "flowline");
  EXPECT_THAT(alert->resolution, HasSubstr("back within thresholds"));
  due = store_->ListDueNotifications(Day(31), 10);
  ASSERT_EQ(due->size(), 2u);
  EXPECT_THAT(due->at(1).payload_json, HasSubstr(R"("event":"alert.resolved")"));
}

TEST_P(DriftCheckTest, AStraightThroughDropIsFoundFromTheGate) {
  AddDays(0, 14, 60, 100, 0.8);
  AddDays(14, 21, 60, 100, 0.55);
  clock_.Set(Day(21));
  absl::StatusOr<DriftReport> report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->features[0].status, DriftStatus::kOk);
  EXPECT_EQ(report->features[1].feature, "straight_through");
  EXPECT_EQ(report->features[1].status, DriftStatus::kDrift) << report->features[1].summary;
  EXPECT_NEAR(report->features[1].distribution["reference_rate"].get<double>(), 0.8, 0.05);
  EXPECT_NEAR(report->features[1].distribution["current_rate"].get<double>(), 0.55, 0.05);
}

TEST_P(DriftCheckTest, TooFewCasesAreReportedNotTested) {
  AddDays(0, 14, 40, 100);
  AddDays(14, 21, 2, 300);  // 14 recent values, fewer than the 200 needed
  clock_.Set(Day(21));
  absl::StatusOr<DriftReport> report = Monitor().Check("wf");
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->features[0].status, DriftStatus::kInsufficientData);
  EXPECT_THAT(report->features[0].summary, HasSubstr("14 in the recent one; at least 200"));
  EXPECT_THAT(report->alerts_opened, IsEmpty());
}

TEST_P(DriftCheckTest, AnUnknownWorkflowIsNotFound) {
  EXPECT_EQ(Monitor().Check("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(DriftCheckTest, BucketsAreWholeHours) {
  EXPECT_EQ(BucketStart(kStart + absl::Minutes(59)), kStart);
  EXPECT_EQ(BucketStart(kStart + absl::Minutes(60)), kStart + absl::Hours(1));
  EXPECT_EQ(BucketStart(absl::FromUnixSeconds(-1)), absl::FromUnixSeconds(-3600));
}

INSTANTIATE_TEST_SUITE_P(Stores, DriftCheckTest,
                         ::testing::ValuesIn(store::testing::kTestStoreKinds),
                         store::testing::TestStoreKindName);

}  // namespace
}  // namespace flowline::monitor
