// The measures end to end, against figures computed by hand: a scripted set of runs through the
// real engine and SQLite store with an injected clock (straight-through cases, cases routed to
// people for low confidence and for the audit sample, corrections, an approval, a rejection
// without a claim, known step and run latencies), then the rollup, then the figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "monitor/measure_names.h"
#include "monitor/measure_rollup.h"
#include "monitor/measures.h"
#include "monitor/record_fold.h"
#include "review/policy.h"
#include "steps/system_step_kinds.h"
#include "store/testing/test_stores.h"

namespace flowline::monitor {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

// An "AI" step that takes `ms` milliseconds of the (fake) clock and gives two fields, the
// total with confidence `conf`: the step latencies are exactly known.
class TimedKind final : public steps::StepKind {
 public:
  explicit TimedKind(common::FakeClock& clock) : clock_(clock) {
    info_.name = "timed";
    info_.description = "test: takes `ms` of the fake clock";
    info_.actors = {steps::Actor::kAi};
    info_.params = {{"ms", steps::ParamType::kAny, true, false, ""},
                    {"total", steps::ParamType::kAny, true, false, ""},
                    {"conf", steps::ParamType::kAny, true, false, ""}};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>(clock_);
  }

 private:
  class Prepared final : public steps::PreparedStep {
   public:
    explicit Prepared(common::FakeClock& clock) : clock_(clock) {}
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      const Json& p = *ctx.params;
      clock_.Advance(absl::Milliseconds(p["ms"].get<double>()));
      const double conf = p["conf"].get<double>();
      Json fields = {
          {"total", {{"value", p["total"]}, {"normalized", p["total"]}, {"confidence", conf}}},
          {"currency", {{"value", "EUR"}, {"normalized", "EUR"}, {"confidence", 0.99}}}};
      return steps::StepOutcome::Completed(Json{{"fields", fields}}, conf);
    }

   private:
    common::FakeClock& clock_;
  };
  steps::StepKindInfo info_;
  common::FakeClock& clock_;
};

constexpr char kSpec[] = R"yaml(
workflow: measured
manual_minutes: 6
key: ${{ input.id }}
steps:
  - id: fields
    uses: timed
    actor: ai
    with:
      ms: ${{ input.ms }}
      total: ${{ input.total }}
      conf: ${{ input.conf }}
  - id: review
    uses: review
    actor: human
    needs: [fields]
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data:
        fields: ${{ steps.fields.output.fields }}
exceptions:
  confidence: 0.9
  audit_rate: 0.5
outputs:
  decision: ${{ steps.review.output.decision }}
)yaml";

// 10:00:00 UTC of a fixed day.
const absl::Time kDate = absl::FromUnixSeconds(1699920000);  // 2023-11-14T00:00:00Z
absl::Time At(int h, int m, double s = 0) {
  return kDate + absl::Hours(h) + absl::Minutes(m) + absl::Seconds(s);
}

// Runs on every store kind (store/testing/test_stores.h): the rollup's cursor and buckets behave
// alike on SQLite and PostgreSQL.
class MeasuresEngineTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto opened = store::testing::OpenTestStore(GetParam(), dir_.File("flowline.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    registry_.Register(std::make_unique<TimedKind>(clock_));
    engine::EngineOptions engine_options;
    engine_options.workers = 0;
    engine_options.worker_id = "test";
    engine_ = std::make_unique<engine::Engine>(engine_options, *store_, registry_, clock_, random_,
                                               nullptr);
    auto deployed = engine_->Deploy(kSpec, "measured.yaml");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
    version_ = deployed->version;
  }

  // A business key the audit sample draws (or not).
  static std::string Key(bool audited, int n) {
    for (int i = 0;; ++i) {
      std::string key = absl::StrCat(audited ? "audit-" : "case-", n, "-", i);
      if ((review::AuditDraw("measured", key) < 0.5) == audited) return key;
    }
  }

  std::string Start(absl::Time at, const std::string& key, double conf, double ms) {
    clock_.Advance(at - clock_.Now());
    auto started = engine_->StartRun(
        {"measured", Json{{"id", key}, {"total", "120.00"}, {"conf", conf}, {"ms", ms}}, ""});
    EXPECT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    return started.ok() ? started->run_id : "";
  }

  std::string TaskOf(const std::string& run_id) {
    store::TaskFilter filter;
    filter.run_id = run_id;
    auto tasks = store_->ListTasks(filter);
    EXPECT_TRUE(tasks.ok() && tasks->size() == 1u);
    return tasks.ok() && !tasks->empty() ? tasks->front().task_id : "";
  }

  void Claim(absl::Time at, const std::string& run_id, const std::string& user) {
    clock_.Advance(at - clock_.Now());
    ASSERT_TRUE(store_->ClaimTask(TaskOf(run_id), user, at, absl::Minutes(30)).ok());
  }

  void Decide(absl::Time at, const std::string& run_id, const std::string& user,
              const std::string& decision, Json data = Json::object(),
              const std::string& comment = "") {
    clock_.Advance(at - clock_.Now());
    auto resolved = engine_->ResolveTask({TaskOf(run_id), user, decision, comment, data});
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    ASSERT_TRUE(engine_->RunUntilIdle().ok());
  }

  // The scripted day (times in UTC): seven cases, four of them decided by people.
  void Script() {
    clock_.Advance(At(9, 59) - clock_.Now());
    // Straight through: confident and not drawn for the audit. Run latency = the step's time.
    Start(At(10, 0, 0), Key(false, 1), 0.95, 200);
    Start(At(10, 0, 10), Key(false, 2), 0.95, 400);
    Start(At(10, 1, 0), Key(false, 3), 0.95, 600);
    // Low confidence: to a person (reason low_confidence), whatever the audit draw.
    low1_ = Start(At(10, 2, 0), Key(false, 4), 0.5, 1000);
    low2_ = Start(At(10, 3, 0), Key(true, 5), 0.6, 1000);
    // Confident but drawn for the audit sample.
    audit1_ = Start(At(10, 4, 0), Key(true, 6), 0.95, 200);
    audit2_ = Start(At(10, 5, 0), Key(true, 7), 0.95, 200);

    Claim(At(10, 30), low1_, "ann");
    Decide(At(10, 32), low1_, "ann", "correct", Json{{"fields", {{"total", "999.00"}}}});
    Claim(At(10, 40), low2_, "bob");
    Decide(At(10, 41), low2_, "bob", "approve");
    Claim(At(11, 5), audit1_, "ann");
    Decide(At(11, 6), audit1_, "ann", "approve");
    // Decided without claiming it first: working time not measured.
    Decide(At(11, 20), audit2_, "cy", "reject", Json::object(), "not one of ours");
  }

  MeasuresContext Context() {
    MeasuresContext context;
    context.prices = &prices_;
    context.step_order = {"fields", "review"};
    context.manual_minutes = [this](const std::string& version) -> std::optional<double> {
      auto plan = engine_->GetPlan("measured", version);
      if (!plan.ok() || (*plan)->spec().manual_minutes <= 0) return std::nullopt;
      return (*plan)->spec().manual_minutes;
    };
    return context;
  }

  MeasureReport Report(int64_t granularity, absl::Time from, absl::Time until) {
    MeasuresQuery query;
    query.workflow = "measured";
    query.granularity_s = granularity;
    query.from = from;
    query.until = until;
    query.step = "fields";
    auto report = ComputeMeasures(*store_, query, Context());
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *report : MeasureReport{};
  }

  // Every stored bucket of a granularity, summed per (version, step, measure, label).
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           std::pair<int64_t, double>>
  Sums(int64_t granularity) {
    store::MeasureFilter filter;
    filter.workflow = "measured";
    filter.granularity_s = granularity;
    auto rows = store_->ListMeasures(filter);
    EXPECT_TRUE(rows.ok()) << rows.status();
    std::map<std::tuple<std::string, std::string, std::string, std::string>,
             std::pair<int64_t, double>>
        sums;
    for (const store::MeasureBucket& row : *rows) {
      auto& cell = sums[{row.version, row.step, row.measure, row.label}];
      cell.first += row.count;
      cell.second += row.sum;
    }
    return sums;
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{11};
  std::unique_ptr<store::Store> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::string version_;
  std::string low1_, low2_, audit1_, audit2_;
  PriceTable prices_ = *PriceTable::Parse(R"yaml(
currency: EUR
models:
  - model: ai:timed
    per_call: 0.01
people:
  - hourly_rate: 60
)yaml",
                                          "prices.yaml");
};

TEST_P(MeasuresEngineTest, FiguresMatchTheHandComputedOnes) {
  Script();
  MeasureRollup rollup(*store_, clock_);
  auto pass = rollup.CatchUp();
  ASSERT_TRUE(pass.ok()) << pass.status();
  EXPECT_GT(pass->records, 0);
  EXPECT_EQ(pass->skipped, 0);

  MeasureReport report = Report(kHour, At(10, 0), At(12, 0));
  ASSERT_EQ(report.buckets.size(), 2u);
  const Figures& t = report.totals;
  EXPECT_EQ(t.started, 7);
  EXPECT_EQ(t.completed, 6);
  EXPECT_EQ(t.rejected, 1);
  EXPECT_EQ(t.failed, 0);
  EXPECT_EQ(t.automated, 3);
  EXPECT_DOUBLE_EQ(*t.straight_through_rate, 3.0 / 7);
  EXPECT_EQ(t.tasks_opened, 4);
  EXPECT_THAT(t.exceptions, ElementsAre(Pair("audit_sample", 2), Pair("low_confidence", 2)));

  // People: three decisions from a claim (120 s, 60 s, 60 s), one without (estimated at their
  // mean, 80 s): 320 s of work.
  EXPECT_EQ(t.decisions_claimed, 3);
  EXPECT_EQ(t.decisions_unclaimed, 1);
  EXPECT_DOUBLE_EQ(t.working.mean, 80);
  EXPECT_DOUBLE_EQ(t.working_minutes, 320.0 / 60);
  // Turnaround: opened → resolved. 10:02:01 → 10:32:00, 10:03:01 → 10:41:00, 10:04:00.2 →
  // 11:06:00, 10:05:00.2 → 11:20:00.
  EXPECT_EQ(t.turnaround.count, 4);
  EXPECT_NEAR(t.turnaround.mean, (1799 + 2279 + 3719.8 + 4499.8) / 4, 1e-6);

  // Accuracy: fields reviewed 2 + 2 + 2, one changed; cases: one corrected and one rejected of
  // four; the audit sample: two fields, none changed; one of two cases wrong (rejected).
  EXPECT_EQ(t.reviewed_fields.trials, 6);
  EXPECT_EQ(t.reviewed_fields.successes, 5);
  EXPECT_EQ(t.reviewed_cases.trials, 4);
  EXPECT_EQ(t.reviewed_cases.successes, 2);
  EXPECT_EQ(t.audit_fields.trials, 2);
  EXPECT_EQ(t.audit_fields.successes, 2);
  EXPECT_EQ(t.audit_cases.trials, 2);
  EXPECT_EQ(t.audit_cases.successes, 1);
  EXPECT_DOUBLE_EQ(t.audit_cases.low, WilsonInterval(1, 2).low);

  // Latency: 0.2, 0.4, 0.6 s straight through; 1800, 2280, 3720 s with a person; 4500 s rejected.
  EXPECT_EQ(t.run_latency.count, 7);
  EXPECT_NEAR(t.run_latency.mean, (0.2 + 0.4 + 0.6 + 1800 + 2280 + 3720 + 4500) / 7, 1e-6);
  EXPECT_DOUBLE_EQ(t.run_latency.p50, 1800);  // rank 3.5 falls on the single 1800 s run
  EXPECT_EQ(t.automated_latency.count, 3);
  EXPECT_NEAR(t.automated_latency.p50, 0.4, 1e-9);
  EXPECT_NEAR(t.automated_latency.mean, 0.4, 1e-9);

  // The step: seven executions of 0.2, 0.4, 0.6, 1, 1, 0.2, 0.2 s, each an "ai:timed" call.
  ASSERT_TRUE(t.step.has_value());
  EXPECT_EQ(t.step->completed, 7);
  EXPECT_EQ(t.step->latency.count, 7);
  EXPECT_NEAR(t.step->latency.mean, 3.6 / 7, 1e-9);
  // p99: rank 6.93 of 7 lies in (0.5, 1], which holds 0.6, 1 and 1 after four below it:
  // 0.5 + 0.5 × (6.93 - 4) / 3.
  EXPECT_NEAR(t.step->latency.p99, 0.5 + 0.5 * (6.93 - 4) / 3, 1e-9);
  EXPECT_EQ(t.model.calls, 7);

  // Cost: 7 calls × 0.01 + 320 s at 60/h; time saved: 3 automated × 6 min − 320 s of work.
  EXPECT_NEAR(*t.model_cost, 0.07, 1e-9);
  EXPECT_NEAR(*t.human_cost, 320.0 / 60, 1e-9);
  EXPECT_NEAR(*t.total_cost, 0.07 + 320.0 / 60, 1e-9);
  EXPECT_NEAR(*t.time_saved_minutes, 18 - 320.0 / 60, 1e-9);
  EXPECT_EQ(report.currency, "EUR");

  // The hours: 10:00 has every start, the first two decisions (180 s) and three automated
  // cases; 11:00 the audit decisions (60 s measured + 80 s estimated).
  const Figures& ten = report.buckets[0];
  const Figures& eleven = report.buckets[1];
  EXPECT_EQ(ten.started, 7);
  EXPECT_EQ(ten.completed, 5);
  EXPECT_EQ(eleven.completed, 1);
  EXPECT_EQ(eleven.rejected, 1);
  EXPECT_DOUBLE_EQ(*ten.straight_through_rate, 3.0 / 5);
  EXPECT_DOUBLE_EQ(*eleven.straight_through_rate, 0);
  EXPECT_NEAR(ten.working_minutes, 3, 1e-9);
  EXPECT_NEAR(eleven.working_minutes, 140.0 / 60, 1e-9);
  EXPECT_NEAR(*ten.time_saved_minutes, 15, 1e-9);
  EXPECT_NEAR(*eleven.time_saved_minutes, -140.0 / 60, 1e-9);
  EXPECT_EQ(ten.audit_cases.trials, 0);
  EXPECT_EQ(eleven.audit_cases.trials, 2);

  // The steps over the period.
  ASSERT_EQ(report.steps.size(), 2u);
  EXPECT_EQ(report.steps[0].step, "fields");
  EXPECT_NEAR(*report.steps[0].model_cost, 0.07, 1e-9);
  EXPECT_EQ(report.steps[1].step, "review");
  EXPECT_EQ(report.steps[1].completed, 7);
}

TEST_P(MeasuresEngineTest, MinutesHoursAndDaysAgree) {
  Script();
  MeasureRollup rollup(*store_, clock_);
  ASSERT_TRUE(rollup.CatchUp().ok());
  const auto minutes = Sums(kMinute);
  EXPECT_FALSE(minutes.empty());
  EXPECT_EQ(minutes, Sums(kHour));
  EXPECT_EQ(minutes, Sums(kDay));
  EXPECT_EQ(minutes, Sums(kTotal));

  // The same period read at every granularity gives the same totals.
  MeasureReport by_minute = Report(kMinute, At(10, 0), At(12, 0));
  MeasureReport by_day = Report(kDay, At(0, 0), At(24, 0));
  EXPECT_EQ(by_minute.buckets.size(), 120u);
  EXPECT_EQ(by_minute.totals.started, by_day.totals.started);
  EXPECT_EQ(by_minute.totals.automated, by_day.totals.automated);
  EXPECT_DOUBLE_EQ(by_minute.totals.run_latency.p90, by_day.totals.run_latency.p90);
  EXPECT_NEAR(by_minute.totals.working_minutes, by_day.totals.working_minutes, 1e-9);
  EXPECT_NEAR(*by_minute.totals.time_saved_minutes, *by_day.totals.time_saved_minutes, 1e-9);
  EXPECT_NEAR(*by_minute.totals.total_cost, *by_day.totals.total_cost, 1e-9);
  // The steps' figures are read from the coarsest buckets that tile the period (minutes around
  // hours around days): they are the same whatever the granularity asked for.
  MeasureReport by_hour = Report(kHour, At(-4, 0), At(24 + 3, 0));  // hours, a day, hours
  for (const MeasureReport* report : {&by_minute, &by_hour}) {
    ASSERT_EQ(report->steps.size(), by_day.steps.size());
    for (size_t i = 0; i < by_day.steps.size(); ++i) {
      EXPECT_EQ(report->steps[i].step, by_day.steps[i].step);
      EXPECT_EQ(report->steps[i].completed, by_day.steps[i].completed);
      EXPECT_EQ(report->steps[i].latency.count, by_day.steps[i].latency.count);
      EXPECT_DOUBLE_EQ(report->steps[i].latency.p90, by_day.steps[i].latency.p90);
      EXPECT_NEAR(*report->steps[i].model_cost, *by_day.steps[i].model_cost, 1e-9);
    }
  }
  EXPECT_EQ(by_day.steps[0].step, "fields");  // the plan's order
  EXPECT_EQ(by_day.steps[0].completed, 7);
}

TEST_P(MeasuresEngineTest, FoldingAgainChangesNothing) {
  Script();
  MeasureRollup first(*store_, clock_);
  auto pass = first.CatchUp();
  ASSERT_TRUE(pass.ok());
  const auto before = Sums(kMinute);
  // Again, and by a second rollup (another process, e.g. `flowline report`): nothing is new.
  auto again = first.CatchUp();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->records, 0);
  MeasureRollup second(*store_, clock_);
  auto other = second.CatchUp();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->records, 0);
  EXPECT_EQ(other->cursor, pass->cursor);
  EXPECT_EQ(Sums(kMinute), before);

  // A batch folded from a cursor that has moved on is refused as a whole.
  store::MeasureBatch stale;
  stale.from_seq = 0;
  stale.to_seq = pass->cursor;
  stale.deltas = {store::MeasureBucket{kMinute, At(10, 0), "measured", version_, "",
                                       measure::kRunsStarted, "", 7, 0}};
  EXPECT_TRUE(absl::IsFailedPrecondition(store_->ApplyMeasures(stale)));
  EXPECT_EQ(Sums(kMinute), before);
}

TEST_P(MeasuresEngineTest, RollupsRacingCountEveryRecordOnce) {
  Script();
  // Two rollups with one-record pages, at once: every page is applied by exactly one of them.
  RollupOptions options;
  options.page_records = 1;
  MeasureRollup a(*store_, clock_, options), b(*store_, clock_, options);
  absl::StatusOr<RollupResult> ra, rb;
  std::thread ta([&] { ra = a.CatchUp(); });
  std::thread tb([&] { rb = b.CatchUp(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(ra.ok()) << ra.status();
  ASSERT_TRUE(rb.ok()) << rb.status();
  auto all = store_->ScanRecords(0, 0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(ra->records + rb->records, static_cast<int64_t>(all->size()));

  MeasureReport report = Report(kHour, At(10, 0), At(12, 0));
  EXPECT_EQ(report.totals.started, 7);
  EXPECT_EQ(report.totals.automated, 3);
  EXPECT_EQ(report.totals.reviewed_fields.trials, 6);
  EXPECT_EQ(report.totals.run_latency.count, 7);
}

TEST_P(MeasuresEngineTest, RecordsWrittenAfterAPassAreFoldedByTheNext) {
  Start(At(10, 0), Key(false, 1), 0.95, 200);
  MeasureRollup rollup(*store_, clock_);
  ASSERT_TRUE(rollup.CatchUp().ok());
  EXPECT_EQ(Report(kHour, At(10, 0), At(11, 0)).totals.automated, 1);
  Start(At(10, 30), Key(false, 2), 0.95, 200);
  auto pass = rollup.CatchUp();
  ASSERT_TRUE(pass.ok());
  EXPECT_GT(pass->records, 0);
  EXPECT_EQ(Report(kHour, At(10, 0), At(11, 0)).totals.automated, 2);
}

TEST_P(MeasuresEngineTest, OldMinuteAndHourBucketsExpire) {
  Script();
  RollupOptions options;
  options.keep_minutes = absl::Hours(1);
  options.keep_hours = absl::Hours(24);
  MeasureRollup rollup(*store_, clock_, options);
  ASSERT_TRUE(rollup.CatchUp().ok());
  // The clock is at 11:20: minute buckets before 10:20 are gone, hours and days stay.
  store::MeasureFilter minutes;
  minutes.workflow = "measured";
  minutes.granularity_s = kMinute;
  auto left = store_->ListMeasures(minutes);
  ASSERT_TRUE(left.ok());
  ASSERT_FALSE(left->empty());
  for (const store::MeasureBucket& row : *left) EXPECT_GE(row.start, At(10, 20));
  EXPECT_EQ(Sums(kHour), Sums(kDay));
  // A day later the hours go too; days and totals are kept.
  clock_.Advance(absl::Hours(26));
  ASSERT_TRUE(rollup.Prune().ok());
  EXPECT_TRUE(Sums(kHour).empty());
  EXPECT_FALSE(Sums(kDay).empty());
  EXPECT_EQ(Sums(kDay), Sums(kTotal));
}

TEST_P(MeasuresEngineTest, DecisionRecordsSayWhenTheClaimBegan) {
  Script();
  auto records = store_->ListRecords(low1_);
  ASSERT_TRUE(records.ok());
  bool found = false;
  for (const store::Record& record : *records) {
    if (record.kind != "task.resolved") continue;
    found = true;
    EXPECT_THAT(record.payload_json,
                ::testing::HasSubstr("\"claimed_at\":\"2023-11-14T10:30:00+00:00\""));
  }
  EXPECT_TRUE(found);
  auto unclaimed = store_->ListRecords(audit2_);
  ASSERT_TRUE(unclaimed.ok());
  for (const store::Record& record : *unclaimed) {
    if (record.kind == "task.resolved") {
      EXPECT_EQ(record.payload_json.find("claimed_at"), std::string::npos);
    }
    if (record.kind == "step.completed" && record.step_id == "fields") {
      EXPECT_THAT(record.payload_json, ::testing::HasSubstr("\"duration_us\":200000"));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, MeasuresEngineTest,
                         ::testing::ValuesIn(store::testing::kTestStoreKinds),
                         store::testing::TestStoreKindName);

}  // namespace
}  // namespace flowline::monitor
