// The engine and people: the exception policy at the gate, four-eyes, corrections, exhausted
// retries, SLA escalation with its webhook, and the stop switch.
#include <httplib.h>

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/http_client.h"
#include "steps/system_step_kinds.h"
#include "steps/test_http_server.h"
#include "store/testing/test_stores.h"

namespace flowline::engine {
namespace {

using store::RunStatus;
using store::StepStatus;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An "ai" step that gives fields with confidences taken from the input, then the gate.
constexpr char kGated[] = R"yaml(
workflow: gated
key: ${{ input.id }}
steps:
  - id: fields
    uses: script
    actor: ai
    with:
      code: |
        return { fields = {
          total = { value = input.total, normalized = input.total, confidence = input.conf },
          currency = { value = 'EUR', normalized = 'EUR', confidence = 0.99 } } }
  - id: checks
    uses: check
    with:
      rules:
        - name: positive
          assert: ${{ tonumber(input.total) > 0 }}
  - id: review
    uses: review
    actor: human
    needs: [fields, checks]
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data:
        fields: ${{ steps.fields.output.fields }}
        document: { file: "${{ input.id }}.pdf" }
exceptions:
  confidence: 0.9
  audit_rate: AUDIT
  rules:
    - name: large_amount
      when: ${{ tonumber(input.total) > 10000 }}
      four_eyes: true
outputs:
  decision: ${{ steps.review.output.decision }}
  total: ${{ ((steps.review.output.data or {}).fields or {}).total or steps.fields.output.fields.total.value }}
)yaml";

std::string Gated(double audit_rate = 0) {
  std::string yaml = kGated;
  yaml.replace(yaml.find("AUDIT"), 5, absl::StrCat(audit_rate));
  return yaml;
}

// Runs on every store kind (store/testing/test_stores.h).
class EnginePeopleTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto opened = store::testing::OpenTestStore(GetParam(), dir_.File("flowline.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    http_ = steps::NewCurlHttpClient();
    EngineOptions engine_options;
    engine_options.workers = 0;
    engine_options.worker_id = "test";
    engine_ =
        std::make_unique<Engine>(engine_options, *store_, registry_, clock_, random_, http_.get());
  }

  void Deploy(const std::string& yaml) {
    auto deployed = engine_->Deploy(yaml, "test.yaml");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
  }

  std::string Start(const std::string& workflow, Json input) {
    auto started = engine_->StartRun({workflow, std::move(input), ""});
    EXPECT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    return started.ok() ? started->run_id : "";
  }

  store::Run GetRun(const std::string& run_id) {
    auto run = store_->GetRun(run_id);
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : store::Run{};
  }

  store::Task OnlyTask(const std::string& run_id) {
    store::TaskFilter filter;
    filter.run_id = run_id;
    auto tasks = store_->ListTasks(filter);
    EXPECT_TRUE(tasks.ok()) << tasks.status();
    EXPECT_EQ(tasks->size(), 1u);
    return tasks->empty() ? store::Task{} : tasks->front();
  }

  Json Payload(const store::Task& task) { return *common::ParseJson(task.payload_json, "p"); }

  std::vector<Json> Records(const std::string& run_id, const std::string& kind) {
    std::vector<Json> found;
    absl::StatusOr<std::vector<store::Record>> records = store_->ListRecords(run_id);
    EXPECT_TRUE(records.ok()) << records.status();
    if (!records.ok()) return found;
    for (const store::Record& record : *records) {
      if (record.kind == kind) found.push_back(*common::ParseJson(record.payload_json, "r"));
    }
    return found;
  }

  absl::StatusOr<store::Task> Decide(const std::string& task_id, const std::string& user,
                                     const std::string& decision, Json data = Json::object(),
                                     const std::string& comment = "") {
    auto claimed = store_->ClaimTask(task_id, user, clock_.Now(), absl::Minutes(15));
    if (!claimed.ok()) return claimed.status();
    auto resolved = engine_->ResolveTask({task_id, user, decision, comment, std::move(data)});
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    return resolved;
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{7};
  std::unique_ptr<store::Store> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<steps::HttpClient> http_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EnginePeopleTest, AConfidentCaseGoesStraightThroughAndTheRoutingIsRecorded) {
  Deploy(Gated());
  const std::string run_id = Start("gated", {{"id", "a"}, {"total", "10.00"}, {"conf", 0.95}});
  store::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(common::ParseJson(run.output_json, "o")->value("decision", ""), "auto");
  std::vector<Json> routing = Records(run_id, "routing.decided");
  ASSERT_EQ(routing.size(), 1u);
  EXPECT_EQ(routing[0]["routed"], "straight_through");
  // Every rule evaluated, with what it saw: two fields, one check, one business rule.
  EXPECT_EQ(routing[0]["evaluated"].size(), 4u);
  EXPECT_FALSE(store_->ListTasks(store::TaskFilter{}).value().size() > 0);
}

TEST_P(EnginePeopleTest, AnUnsureFieldOpensATaskSayingWhy) {
  Deploy(Gated());
  const std::string run_id = Start("gated", {{"id", "b"}, {"total", "10.00"}, {"conf", 0.62}});
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kRunning);
  store::Task task = OnlyTask(run_id);
  EXPECT_EQ(task.queue, "ap");
  EXPECT_FALSE(task.four_eyes);
  Json payload = Payload(task);
  EXPECT_THAT(payload["reasons"], ElementsAre("total: confidence 0.62 is under 0.90"));
  EXPECT_EQ(payload["routing"][0]["kind"], "low_confidence");
  EXPECT_EQ(payload["routing"][0]["values"]["threshold"], 0.9);
  std::vector<Json> routing = Records(run_id, "routing.decided");
  ASSERT_EQ(routing.size(), 1u);
  EXPECT_EQ(routing[0]["routed"], "person");
}

TEST_P(EnginePeopleTest, AFieldConfirmedByACheckIsNotJudgedOnItsConfidence) {
  std::string yaml = Gated();
  yaml.replace(
      yaml.find("  confidence: 0.9\n"), 18,
      "  confidence: 0.9\n  confirmed_by:\n    total: ${{ steps.checks.output.passed }}\n");
  Deploy(yaml);
  // Unsure, but the check confirms it: straight through, with the confirmation recorded.
  const std::string run_id = Start("gated", {{"id", "f"}, {"total", "10.00"}, {"conf", 0.62}});
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kCompleted);
  std::vector<Json> routing = Records(run_id, "routing.decided");
  ASSERT_EQ(routing.size(), 1u);
  EXPECT_EQ(routing[0]["routed"], "straight_through");
  bool confirmed = false;
  for (const Json& rule : routing[0]["evaluated"]) {
    if (rule.value("name", "") == "total") confirmed = rule["values"].value("confirmed", false);
  }
  EXPECT_TRUE(confirmed);
  // The check fails: not confirmed, so the confidence counts again.
  const std::string other = Start("gated", {{"id", "g"}, {"total", "-1"}, {"conf", 0.62}});
  Json payload = Payload(OnlyTask(other));
  EXPECT_THAT(payload["reasons"], ::testing::Contains("total: confidence 0.62 is under 0.90"));
}

TEST_P(EnginePeopleTest, ACorrectionContinuesTheRunWithThePersonsValueAndIsStoredAsALabel) {
  Deploy(Gated());
  const std::string run_id = Start("gated", {{"id", "c"}, {"total", "10.00"}, {"conf", 0.5}});
  store::Task task = OnlyTask(run_id);
  auto bad = Decide(task.task_id, "ann", "correct");  // no values
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  auto resolved = Decide(task.task_id, "ann", "correct", {{"fields", {{"total", "12.50"}}}});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  store::Run run = GetRun(run_id);
  ASSERT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(common::ParseJson(run.output_json, "o")->value("total", ""), "12.50");

  store::CorrectionFilter filter;
  filter.run_id = run_id;
  auto corrections = store_->ListCorrections(filter);
  ASSERT_TRUE(corrections.ok());
  ASSERT_EQ(corrections->size(), 2u);
  const store::Correction& total = (*corrections)[1];
  EXPECT_EQ(total.value.field, "total");
  EXPECT_EQ(total.step_id, "fields");
  EXPECT_EQ(total.workflow, "gated");
  EXPECT_EQ(total.value.ai_value_json, "\"10.00\"");
  EXPECT_EQ(total.value.ai_confidence, 0.5);
  EXPECT_EQ(total.value.human_value_json, "\"12.50\"");
  EXPECT_TRUE(total.value.changed);
  EXPECT_EQ(total.by, "ann");
  EXPECT_EQ(total.document_json, R"({"file":"c.pdf"})");
  EXPECT_FALSE((*corrections)[0].value.changed);  // currency confirmed
}

TEST_P(EnginePeopleTest, ALargeAmountNeedsTwoDifferentPeople) {
  Deploy(Gated());
  const std::string run_id = Start("gated", {{"id", "d"}, {"total", "25000.00"}, {"conf", 0.99}});
  store::Task task = OnlyTask(run_id);
  EXPECT_TRUE(task.four_eyes);
  EXPECT_THAT(Payload(task)["reasons"], ElementsAre("business rule large_amount fired"));

  auto first = Decide(task.task_id, "ann", "correct", {{"fields", {{"total", "24000.00"}}}});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->status, store::TaskStatus::kOpen);
  EXPECT_EQ(first->first_by, "ann");
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kRunning);
  EXPECT_THAT(Records(run_id, "task.first_decision"), ::testing::SizeIs(1));

  auto own = Decide(task.task_id, "ann", "approve");
  EXPECT_EQ(own.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(own.status().message(), HasSubstr("different person"));

  auto second = Decide(task.task_id, "bob", "approve");
  ASSERT_TRUE(second.ok()) << second.status();
  store::Run run = GetRun(run_id);
  ASSERT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(common::ParseJson(run.output_json, "o")->value("total", ""), "24000.00");
  store::CorrectionFilter filter;
  filter.changed_only = true;
  auto corrections = store_->ListCorrections(filter);
  ASSERT_EQ(corrections->size(), 1u);
  EXPECT_EQ((*corrections)[0].by, "bob");
}

TEST_P(EnginePeopleTest, TheAuditSampleSendsCleanCasesToAPerson) {
  Deploy(Gated(1.0));
  const std::string run_id = Start("gated", {{"id", "e"}, {"total", "10.00"}, {"conf", 0.99}});
  store::Task task = OnlyTask(run_id);
  Json payload = Payload(task);
  EXPECT_TRUE(payload["audit_sample"].get<bool>());
  EXPECT_EQ(payload["routing"][0]["kind"], "audit_sample");
}

TEST_P(EnginePeopleTest, ARejectEndsTheRunWithTheReason) {
  Deploy(Gated());
  const std::string run_id = Start("gated", {{"id", "f"}, {"total", "10.00"}, {"conf", 0.1}});
  store::Task task = OnlyTask(run_id);
  ASSERT_TRUE(Decide(task.task_id, "ann", "reject", Json::object(), "not ours").ok());
  store::Run run = GetRun(run_id);
  EXPECT_EQ(run.status, RunStatus::kRejected);
  EXPECT_EQ(run.error, "not ours");
}

TEST_P(EnginePeopleTest, AStepThatExhaustedItsRetriesWaitsForAPerson) {
  Deploy(R"yaml(
workflow: fragile
steps:
  - id: call
    uses: script
    retry: { attempts: 1 }
    with:
      code: |
        error('the supplier API is down')
  - id: after
    uses: script
    with:
      code: return { got = steps.call.output.x }
exceptions:
  retries_exhausted: true
  queue: ops
outputs:
  got: ${{ steps.after.output.got }}
)yaml");
  const std::string run_id = Start("fragile", Json::object());
  EXPECT_EQ(GetRun(run_id).status, RunStatus::kRunning);
  store::Task task = OnlyTask(run_id);
  EXPECT_EQ(task.queue, "ops");
  Json payload = Payload(task);
  EXPECT_EQ(payload["kind"], "retries_exhausted");
  EXPECT_THAT(payload["decisions"], ElementsAre("retry", "skip", "reject"));
  EXPECT_THAT(payload["reasons"][0].get<std::string>(), HasSubstr("the supplier API is down"));

  // Retry: it fails again, and a new task opens.
  ASSERT_TRUE(Decide(task.task_id, "olga", "retry").ok());
  store::TaskFilter open;
  open.run_id = run_id;
  auto tasks = store_->ListTasks(open);
  ASSERT_EQ(tasks->size(), 1u);
  EXPECT_NE(tasks->front().task_id, task.task_id);

  // Skip with the output a person supplies: the run carries on with it.
  ASSERT_TRUE(Decide(tasks->front().task_id, "olga", "skip", {{"output", {{"x", 42}}}}).ok());
  store::Run run = GetRun(run_id);
  ASSERT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(common::ParseJson(run.output_json, "o")->value("got", 0), 42);
}

// A gated review with a 4 h SLA that escalates to ap-urgent and tells `notify_url`.
std::string SlaWorkflow(const std::string& notify_url) {
  std::string yaml = R"yaml(
workflow: sla
steps:
  - id: review
    uses: review
    actor: human
    with:
      gate: true
      queue: ap
      sla: 4h
      escalate_to: ap-urgent
exceptions:
  audit_rate: 1
  notify: URL
)yaml";
  yaml.replace(yaml.find("URL"), 3, notify_url);
  return yaml;
}

TEST_P(EnginePeopleTest, AnOverdueTaskEscalatesOnceAndTheWebhookIsToldUntilItAnswers) {
  steps::testing::TestHttpServer hook;
  std::mutex mu;
  std::vector<Json> received;
  int failures_left = 1;
  hook.server().Post("/escalated", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (failures_left-- > 0) {
      res.status = 503;
      return;
    }
    received.push_back(Json::parse(req.body));
    res.status = 204;
  });
  hook.Start();
  Deploy(SlaWorkflow(hook.Url("/escalated")));
  const std::string run_id = Start("sla", Json::object());
  store::Task task = OnlyTask(run_id);
  EXPECT_EQ(task.queue, "ap");

  clock_.Advance(absl::Hours(3));
  EXPECT_EQ(*engine_->SweepTasks(), 0);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(*engine_->SweepTasks(), 1);  // the webhook answers 503 the first time
  task = OnlyTask(run_id);
  EXPECT_EQ(task.queue, "ap-urgent");
  EXPECT_TRUE(task.escalated_at.has_value());
  EXPECT_THAT(Records(run_id, "task.escalated"), ::testing::SizeIs(1));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(received.empty());
  }
  clock_.Advance(absl::Seconds(10));     // past the retry pause
  EXPECT_EQ(*engine_->SweepTasks(), 0);  // escalated once only
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0]["event"], "task.escalated");
  EXPECT_EQ(received[0]["task_id"], task.task_id);
  EXPECT_EQ(received[0]["from_queue"], "ap");
  EXPECT_EQ(received[0]["to_queue"], "ap-urgent");
}

// With several `flowline serve` processes on one PostgreSQL store, each delivers the due
// notifications (at least once): the one that finishes second finds the notification gone.
TEST_P(EnginePeopleTest, ANotificationAnotherProcessDeliveredMeanwhileIsNotAnError) {
  steps::testing::TestHttpServer hook;
  std::mutex mu;
  int received = 0;
  absl::Time sweep_time;
  hook.server().Post("/escalated", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    ++received;
    // The other process delivered it too, and finished first.
    auto due = store_->ListDueNotifications(sweep_time, 10);
    ASSERT_TRUE(due.ok()) << due.status();
    for (const store::Notification& notification : *due) {
      ASSERT_TRUE(store_->FinishNotification(notification.seq, true, sweep_time).ok());
    }
    res.status = 204;
  });
  hook.Start();
  Deploy(SlaWorkflow(hook.Url("/escalated")));
  const std::string run_id = Start("sla", Json::object());
  clock_.Advance(absl::Hours(5));
  sweep_time = clock_.Now();
  absl::StatusOr<int> escalated = engine_->SweepTasks();
  ASSERT_TRUE(escalated.ok()) << escalated.status();
  EXPECT_EQ(*escalated, 1);
  clock_.Advance(absl::Hours(1));
  ASSERT_TRUE(engine_->SweepTasks().ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(received, 1);
  EXPECT_EQ(OnlyTask(run_id).queue, "ap-urgent");
}

TEST_P(EnginePeopleTest, TheStopSwitchHoldsCasesUntilResumed) {
  Deploy(Gated());
  ASSERT_TRUE(store_->SetWorkflowPaused("gated", true, "olga", clock_.Now()).ok());
  const std::string held = Start("gated", {{"id", "g"}, {"total", "10.00"}, {"conf", 0.99}});
  store::RunDetail detail = *store_->GetRunDetail(held);
  EXPECT_EQ(detail.run.status, RunStatus::kRunning);
  for (const store::StepState& step : detail.steps) {
    EXPECT_NE(step.status, StepStatus::kCompleted) << step.step_id;
  }
  ASSERT_TRUE(store_->SetWorkflowPaused("gated", false, "olga", clock_.Now()).ok());
  ASSERT_TRUE(engine_->RunUntilIdle().ok());
  EXPECT_EQ(GetRun(held).status, RunStatus::kCompleted);
}

TEST_P(EnginePeopleTest, APolicyIsCheckedWhenDeployed) {
  auto deployed = engine_->Deploy(R"yaml(
workflow: bad
steps:
  - id: a
    uses: script
    with: { code: "return {}" }
exceptions:
  audit_rate: 2
  confidence: high
  confirmed_by: { total: "checked" }
  rules:
    - name: Big
      when: ${{ steps.nope.output.x > 1 }}
)yaml",
                                  "bad.yaml");
  ASSERT_FALSE(deployed.ok());
  const std::string message(deployed.status().message());
  EXPECT_THAT(message,
              HasSubstr("bad.yaml:8:15: error: exceptions.audit_rate must be from 0 to 1"));
  EXPECT_THAT(message, HasSubstr("exceptions.confidence"));
  EXPECT_THAT(message, HasSubstr("rule name 'Big' is not valid"));
  EXPECT_THAT(message, HasSubstr("exceptions.confirmed_by.total must be a ${{ }} expression"));
  EXPECT_THAT(message, HasSubstr("nope"));
  EXPECT_THAT(message, HasSubstr("no `review` step has `gate: true`"));
}

INSTANTIATE_TEST_SUITE_P(Stores, EnginePeopleTest,
                         ::testing::ValuesIn(store::testing::kTestStoreKinds),
                         store::testing::TestStoreKindName);

}  // namespace
}  // namespace flowline::engine
