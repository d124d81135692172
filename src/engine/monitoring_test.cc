// Drift monitoring end to end: a workflow's features derived from its plan, runs through the
// real engine and store over three weeks of an injected clock, a planted shift, the drift check,
// the alerts it stores and the webhook notifications it queues.
#include "engine/monitoring.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

constexpr char kPayables[] = R"yaml(
workflow: payables
key: ${{ input.id }}
input:
  schema:
    type: object
    required: [id, amount, vendor]
    properties:
      id: { type: string }
      amount: { type: number }
      vendor: { type: string }
      channel: { type: string, enum: [mail, portal] }
steps:
  - id: fields
    uses: script
    actor: ai
    with:
      code: |
        return { vendor = input.vendor, amount = input.amount,
                 fields = { total = { value = input.amount, normalized = input.amount,
                                      confidence = 0.99 } } }
  - id: review
    uses: review
    actor: human
    needs: [fields]
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data: { fields: "${{ steps.fields.output.fields }}" }
exceptions:
  confidence: 0.9
  audit_rate: 0.25
  notify: https://hooks.example/ap
  rules:
    - name: globex
      when: ${{ input.vendor == 'Globex' }}
monitor:
  ignore: [input.channel]
  thresholds: { min_samples: 100, min_rate_samples: 20 }
  features:
    - { name: vendor, from: steps.fields.output.vendor, type: categorical }
    - { name: amount, from: steps.fields.output.amount, type: numeric }
)yaml";

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

class MonitoringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options =
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db"));
    auto opened = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    EngineOptions engine_options;
    engine_options.workers = 0;
    engine_options.worker_id = "test";
    engine_ =
        std::make_unique<Engine>(engine_options, *store_, registry_, clock_, random_, nullptr);
    auto deployed = engine_->Deploy(kPayables, "payables.yaml");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
    version_ = deployed->version;
  }

  // `per_day` runs a day on days [from, until); amounts around `median`; an audit sample's
  // reviewer changes the total with probability `audit_errors`.
  void RunDays(int from, int until, int per_day, double median, double audit_errors) {
    std::lognormal_distribution<double> amounts(std::log(median), 0.4);
    std::uniform_real_distribution<double> unit(0, 1);
    const char* vendors[] = {"Acme", "Acme", "Acme", "Initech", "Initech", "Globex"};
    for (int day = from; day < until; ++day) {
      for (int i = 0; i < per_day; ++i) {
        clock_.Set(kStart + absl::Hours(24) * day + absl::Minutes(60 * 20 * i / per_day + 5));
        Json input = {{"id", absl::StrCat("inv-", ++runs_)},
                      {"amount", std::round(amounts(rng_) * 100) / 100},
                      {"vendor", vendors[runs_ % 6]}};
        auto started = engine_->StartRun({"payables", input, ""});
        ASSERT_TRUE(started.ok()) << started.status();
        ASSERT_TRUE(engine_->RunUntilIdle().ok());
        // An audit sample is looked at the same day; the other tasks wait.
        store::TaskFilter filter;
        filter.run_id = started->run_id;
        auto tasks = store_->ListTasks(filter);
        ASSERT_TRUE(tasks.ok());
        if (tasks->empty()) continue;
        const store::Task& task = tasks->front();
        if (task.payload_json.find("audit_sample") == std::string::npos ||
            task.payload_json.find("globex") != std::string::npos) {
          continue;
        }
        clock_.Advance(absl::Minutes(30));
        TaskDecision decision{task.task_id, "ann", "approve", "", Json::object()};
        if (unit(rng_) < audit_errors) {
          decision.decision = "correct";
          decision.data = {{"fields", {{"total", "1.00"}}}};
        }
        auto resolved = engine_->ResolveTask(decision);
        ASSERT_TRUE(resolved.ok()) << resolved.status();
        ASSERT_TRUE(engine_->RunUntilIdle().ok());
        ++audits_;
      }
    }
  }

  common::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry registry_;
  common::FakeClock clock_{kStart};
  common::SeededRandom random_{5};
  std::unique_ptr<Engine> engine_;
  std::string version_;
  std::mt19937_64 rng_{17};
  int runs_ = 0;
  int audits_ = 0;
};

TEST_F(MonitoringTest, FeaturesAreDerivedFromThePlanAndWrittenOnes) {
  auto plan = engine_->GetPlan("payables", version_);
  ASSERT_TRUE(plan.ok());
  const monitor::MonitorConfig config = MonitorConfigFor(**plan);
  std::vector<std::string> names;
  for (const monitor::FeatureSpec& f : config.features) names.push_back(f.name);
  // input.channel is ignored; the id and vendor inputs are free text, not monitored.
  EXPECT_THAT(names, ElementsAre("input.amount", "fields.confidence", "straight_through",
                                 "audit_accuracy", "vendor", "amount"));
  EXPECT_EQ(config.gate_step, "review");
  EXPECT_EQ(config.notify_url, "https://hooks.example/ap");  // the exception policy's
  const monitor::FeatureSpec* accuracy = config.Find("audit_accuracy");
  ASSERT_NE(accuracy, nullptr);
  EXPECT_EQ(accuracy->direction, monitor::Direction::kDrop);
  EXPECT_EQ(accuracy->thresholds.min_rate_samples, 20);
  EXPECT_EQ(config.Find("fields.confidence")->from, "steps.fields.confidence");
  EXPECT_TRUE(config.Find("input.amount")->derived);
  EXPECT_FALSE(config.Find("amount")->derived);

  PlanMonitorCatalog catalog(*engine_);
  auto live = catalog.ForWorkflow("payables");
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ((*live)->version, version_);
  EXPECT_EQ(catalog.ForWorkflow("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(MonitoringTest, APlantedShiftThroughTheEngineRaisesTheRightAlerts) {
  RunDays(0, 14, 20, 500, 0.0);    // the reference: amounts ~500, audits all right
  RunDays(14, 21, 20, 1500, 0.6);  // recent: amounts ×3, most audits corrected
  ASSERT_GT(audits_, 40);

  PlanMonitorCatalog catalog(*engine_);
  monitor::DriftMonitor monitor(*store_, catalog, clock_, random_);
  clock_.Set(kStart + absl::Hours(24 * 21));
  absl::StatusOr<monitor::DriftReport> report = monitor.Check("payables");
  ASSERT_TRUE(report.ok()) << report.status();
  ASSERT_TRUE(report->windows.ready());

  std::set<std::string> drifted;
  for (const monitor::FeatureDrift& f : report->features) {
    if (f.status == monitor::DriftStatus::kDrift) drifted.insert(f.feature);
    if (f.feature == "vendor" || f.feature == "straight_through") {
      EXPECT_EQ(f.status, monitor::DriftStatus::kOk) << f.feature << ": " << f.summary;
    }
    if (f.feature == "fields.confidence") {  // a script reports no confidence
      EXPECT_EQ(f.status, monitor::DriftStatus::kInsufficientData) << f.summary;
    }
  }
  EXPECT_THAT(drifted, UnorderedElementsAre("input.amount", "amount", "audit_accuracy"));

  // One stored alert per drifted feature, each told to the workflow's webhook.
  store::AlertFilter open;
  open.workflow = "payables";
  open.unresolved_only = true;
  auto alerts = store_->ListAlerts(open);
  ASSERT_TRUE(alerts.ok());
  std::set<std::string> subjects;
  for (const store::Alert& alert : *alerts) subjects.insert(alert.subject);
  EXPECT_THAT(subjects, UnorderedElementsAre("input.amount", "amount", "audit_accuracy"));
  auto due = store_->ListDueNotifications(clock_.Now(), 100);
  ASSERT_TRUE(due.ok());
  int opened = 0;
  for (const store::Notification& n : *due) {
    if (n.payload_json.find("alert.opened") == std::string::npos) continue;
    ++opened;
    EXPECT_EQ(n.url, "https://hooks.example/ap");
    EXPECT_THAT(n.payload_json, HasSubstr(R"("workflow":"payables")"));
  }
  EXPECT_EQ(opened, 3);

  // The audit accuracy came from the reviewers' corrections of audit samples only.
  for (const monitor::FeatureDrift& f : report->features) {
    if (f.feature != "audit_accuracy") continue;
    EXPECT_EQ(f.distribution["reference_rate"], 1.0);
    EXPECT_LT(f.distribution["current_rate"].get<double>(), 0.7);
    EXPECT_EQ(f.reference_n + f.current_n, audits_);
  }

  // The next check sees the same drifts: no new alerts, no new notifications.
  clock_.Advance(absl::Hours(1));
  report = monitor.Check("payables");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->alerts_opened.empty());
  EXPECT_EQ(store_->ListDueNotifications(clock_.Now(), 100)->size(), due->size());
}

}  // namespace
}  // namespace flowline::engine
