#include "engine/engine.h"

#include <httplib.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/http_client.h"
#include "steps/system_step_kinds.h"
#include "steps/test_http_server.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::engine {
namespace {

using store::RunMode;
using store::RunStatus;
using store::StepStatus;
using ::testing::HasSubstr;

// A step kind for tests: counts executions per (run, step) and the most attempts in flight.
class ProbeStep final : public steps::StepKind {
 public:
  struct Counters {
    std::mutex mu;
    std::map<std::string, int> executions;  // idempotency key -> times executed
    std::atomic<int> in_flight{0};
    std::atomic<int> max_in_flight{0};
  };
  explicit ProbeStep(Counters* counters) : counters_(counters) {
    info_.name = "probe";
    info_.actors = {steps::Actor::kSystem};
    info_.params = {{"value", steps::ParamType::kAny, false, false, "echoed"},
                    {"sleep_ms", steps::ParamType::kInteger, false, false, "sleep this long"}};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>(counters_);
  }

 private:
  class Prepared final : public steps::PreparedStep {
   public:
    explicit Prepared(Counters* counters) : counters_(counters) {}
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      int now = ++counters_->in_flight;
      int seen = counters_->max_in_flight.load();
      while (now > seen && !counters_->max_in_flight.compare_exchange_weak(seen, now)) {
      }
      if (ctx.params->contains("sleep_ms")) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds((*ctx.params)["sleep_ms"].get<int>()));
      }
      {
        std::lock_guard<std::mutex> lock(counters_->mu);
        ++counters_->executions[ctx.idempotency_key];
      }
      --counters_->in_flight;
      return steps::StepOutcome::Completed(
          {{"value", ctx.params->value("value", Json())}, {"attempt", ctx.attempt}});
    }

   private:
    Counters* counters_;
  };
  Counters* counters_;
  steps::StepKindInfo info_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("flowline.db");
    auto opened = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    registry_.Register(std::make_unique<ProbeStep>(&probe_));
    http_ = steps::NewCurlHttpClient();
  }

  std::unique_ptr<Engine> NewEngine(int workers = 0) {
    EngineOptions options;
    options.workers = workers;
    options.worker_id = absl::StrCat("test-", ++engines_);
    return std::make_unique<Engine>(
        options, *store_, registry_,
        workers == 0 ? static_cast<common::Clock&>(clock_) : common::SystemClock::Get(), random_,
        http_.get());
  }

  std::string Deploy(Engine& engine, const std::string& yaml) {
    auto deployed = engine.Deploy(yaml, "test.yaml");
    EXPECT_TRUE(deployed.ok()) << deployed.status();
    return deployed.ok() ? deployed->version : "";
  }

  store::RunDetail Detail(const std::string& run_id) {
    auto detail = store_->GetRunDetail(run_id);
    EXPECT_TRUE(detail.ok()) << detail.status();
    return *detail;
  }

  const store::StepState& Step(const store::RunDetail& detail, const std::string& id) {
    for (const auto& step : detail.steps) {
      if (step.step_id == id) return step;
    }
    ADD_FAILURE() << "no step " << id;
    return detail.steps.front();
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{1};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<steps::HttpClient> http_;
  ProbeStep::Counters probe_;
  int engines_ = 0;
};

constexpr char kLinear[] = R"(
workflow: linear
manual_minutes: 2
key: ${{ input.id }}
input:
  schema: { type: object, required: [id, n], properties: { n: { type: number } } }
steps:
  - id: double
    uses: script
    with: { code: "return { value = input.n * 2 }" }
  - id: big
    uses: probe
    when: ${{ steps.double.output.value > 10 }}
    with: { value: "${{ steps.double.output.value }}" }
  - id: label
    uses: script
    with:
      code: |
        if steps.big.skipped then return { label = 'small' } end
        return { label = 'big:' .. steps.big.output.value }
outputs:
  label: ${{ steps.label.output.label }}
  doubled: ${{ steps.double.output.value }}
)";

TEST_F(EngineTest, RunsStepsInOrderAndEvaluatesOutputs) {
  auto engine = NewEngine();
  Deploy(*engine, kLinear);
  auto started = engine->StartRun({"linear", {{"id", "a"}, {"n", 7}}, ""});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_TRUE(started->created);
  auto ran = engine->RunUntilIdle();
  ASSERT_TRUE(ran.ok()) << ran.status();
  EXPECT_EQ(*ran, 3);  // the last step finishes the run in its own commit: no separate $end

  store::RunDetail detail = Detail(started->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Json::parse(detail.run.output_json), Json({{"label", "big:14"}, {"doubled", 14}}));
  EXPECT_EQ(Step(detail, "double").status, StepStatus::kCompleted);
  EXPECT_EQ(Step(detail, "big").params_json, R"({"value":14})");
  EXPECT_EQ(Step(detail, "big").attempt, 1);
  EXPECT_EQ(Step(detail, store::kEndStepId).status, StepStatus::kCompleted);

  auto records = store_->ListRecords(started->run_id);
  ASSERT_TRUE(records.ok());
  std::vector<std::string> kinds;
  for (const auto& r : *records) kinds.push_back(r.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"run.created", "step.completed", "step.completed",
                                             "step.completed", "run.completed"}));
}

TEST_F(EngineTest, EvaluationRunSkipsOnlyStepsThatWriteOutside) {
  const std::string db = dir_.File("ledger.db");
  {
    sqlite3* handle = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(handle, "CREATE TABLE ledger (id TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(handle);
  }
  const std::string spec = absl::StrCat(R"(
workflow: post
key: ${{ input.id }}
steps:
  - id: compute
    uses: script
    with: { code: "return { id = input.id .. '!' }" }
  - id: post
    uses: sql
    with:
      database: "sqlite:)",
                                        db, R"("
      statement: INSERT INTO ledger (id) VALUES (:id)
      params: { id: "${{ steps.compute.output.id }}" }
outputs:
  computed: ${{ steps.compute.output.id }}
  posted: ${{ steps.post.output.changes }}
)");
  for (bool evaluation : {true, false}) {
    auto engine = NewEngine(0);
    Deploy(*engine, spec);
    auto started = engine->StartRun({"post",
                                     {{"id", evaluation ? "rehearsal" : "real"}},
                                     "",
                                     evaluation ? RunMode::kEvaluation : RunMode::kNormal});
    ASSERT_TRUE(started.ok()) << started.status();
    ASSERT_TRUE(engine->RunUntilIdle().ok());
    store::RunDetail detail = Detail(started->run_id);
    ASSERT_EQ(detail.run.status, RunStatus::kCompleted) << detail.run.error;
    Json output = Json::parse(detail.run.output_json);
    EXPECT_EQ(output["computed"], evaluation ? "rehearsal!" : "real!");  // pure steps still run
    if (evaluation) {
      // The statement it would have run, instead of running it.
      Json post = Json::parse(Step(detail, "post").output_json);
      EXPECT_EQ(post["suppressed"], true);
      EXPECT_EQ(post["request"]["statement"], "INSERT INTO ledger (id) VALUES (:id)");
      EXPECT_EQ(post["request"]["params"], Json({{"id", "rehearsal!"}}));
    } else {
      EXPECT_EQ(output["posted"], 1);
    }
  }
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(handle, "SELECT group_concat(id) FROM ledger", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "real!");
  sqlite3_finalize(stmt);
  sqlite3_close(handle);
}

TEST_F(EngineTest, FalseConditionSkipsStepAndDownstreamSeesIt) {
  auto engine = NewEngine();
  Deploy(*engine, kLinear);
  auto started = engine->StartRun({"linear", {{"id", "b"}, {"n", 2}}, ""});
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(started->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Step(detail, "big").status, StepStatus::kSkipped);
  EXPECT_EQ(Json::parse(detail.run.output_json)["label"], "small");
  EXPECT_TRUE(probe_.executions.empty());
}

TEST_F(EngineTest, SameBusinessKeyReturnsTheExistingRun) {
  auto engine = NewEngine();
  Deploy(*engine, kLinear);
  auto first = engine->StartRun({"linear", {{"id", "same"}, {"n", 1}}, ""});
  auto second = engine->StartRun({"linear", {{"id", "same"}, {"n", 99}}, ""});
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(first->run_id, second->run_id);
  auto runs = store_->ListRuns({});
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 1u);
}

TEST_F(EngineTest, ATriggersDefaultKeyDeduplicatesOnlyWhenTheSpecHasNoKey) {
  auto engine = NewEngine();
  Deploy(*engine, R"(
workflow: keyless
steps:
  - id: echo
    uses: script
    with: { code: "return { n = input.n }" }
)");
  Deploy(*engine, kLinear);
  StartRunRequest keyless{"keyless", {{"n", 1}}, ""};
  keyless.default_key = "sha256:abc";
  auto first = engine->StartRun(keyless);
  keyless.input = {{"n", 2}};
  auto again = engine->StartRun(keyless);
  keyless.default_key = "sha256:def";
  auto other = engine->StartRun(keyless);
  ASSERT_TRUE(first.ok() && again.ok() && other.ok());
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->run_id, first->run_id);
  EXPECT_TRUE(other->created);
  auto detail = store_->GetRun(first->run_id);
  ASSERT_TRUE(detail.ok());
  EXPECT_EQ(detail->business_key, "sha256:abc");

  // The spec's own key wins over the trigger's.
  StartRunRequest keyed{"linear", {{"id", "k1"}, {"n", 1}}, ""};
  keyed.default_key = "ignored";
  auto a = engine->StartRun(keyed);
  keyed.input = {{"id", "k2"}, {"n", 1}};
  auto b = engine->StartRun(keyed);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(b->created);
  EXPECT_NE(a->run_id, b->run_id);
  auto keyed_detail = store_->GetRun(a->run_id);
  ASSERT_TRUE(keyed_detail.ok());
  EXPECT_EQ(keyed_detail->business_key, "k1");
}

TEST_F(EngineTest, InputBreakingTheSchemaIsRefusedAndNothingIsStored) {
  auto engine = NewEngine();
  Deploy(*engine, kLinear);
  auto started = engine->StartRun({"linear", {{"id", "x"}, {"n", "seven"}}, ""});
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(started.status().message(), HasSubstr("/n"));
  auto runs = store_->ListRuns({});
  ASSERT_TRUE(runs.ok());
  EXPECT_TRUE(runs->empty());
}

TEST_F(EngineTest, UnknownWorkflowIsNotFound) {
  auto engine = NewEngine();
  auto started = engine->StartRun({"nope", Json::object(), ""});
  EXPECT_EQ(started.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(EngineTest, RunStaysOnItsVersionAfterANewDeploy) {
  auto engine = NewEngine();
  const std::string v1 = Deploy(*engine, R"(
workflow: pinned
steps:
  - id: wait
    uses: wait
    with: { duration: 1h }
  - id: answer
    uses: script
    with: { code: "return { version = 1 }" }
outputs: { version: "${{ steps.answer.output.version }}" }
)");
  auto old_run = engine->StartRun({"pinned", Json::object(), ""});
  ASSERT_TRUE(old_run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());  // waits on the timer
  const std::string v2 = Deploy(*engine, R"(
workflow: pinned
steps:
  - id: wait
    uses: wait
    with: { duration: 1h }
  - id: answer
    uses: script
    with: { code: "return { version = 2 }" }
outputs: { version: "${{ steps.answer.output.version }}" }
)");
  ASSERT_NE(v1, v2);
  auto new_run = engine->StartRun({"pinned", Json::object(), ""});
  ASSERT_TRUE(new_run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Detail(old_run->run_id).run.version, v1);
  EXPECT_EQ(Json::parse(Detail(old_run->run_id).run.output_json)["version"], 1);
  EXPECT_EQ(Json::parse(Detail(new_run->run_id).run.output_json)["version"], 2);
}

TEST_F(EngineTest, WaitStepIsADurableTimer) {
  auto engine = NewEngine();
  Deploy(*engine, R"(
workflow: timer
steps:
  - id: pause
    uses: wait
    with: { duration: 30m }
  - id: after
    uses: probe
)");
  auto run = engine->StartRun({"timer", Json::object(), ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Step(Detail(run->run_id), "pause").status, StepStatus::kWaiting);
  clock_.Advance(absl::Minutes(29));
  EXPECT_EQ(*engine->RunUntilIdle(), 0);
  clock_.Advance(absl::Minutes(2));
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Detail(run->run_id).run.status, RunStatus::kCompleted);
}

constexpr char kReview[] = R"(
workflow: approval
key: ${{ input.id }}
steps:
  - id: approve
    actor: human
    uses: review
    with: { queue: ap, title: "Invoice ${{ input.id }}", sla: 4h, data: { total: "${{ input.total }}" } }
outputs:
  decision: ${{ steps.approve.output.decision }}
  by: ${{ steps.approve.output.by }}
)";

TEST_F(EngineTest, ReviewStepWaitsForAPersonAndContinuesWithTheDecision) {
  auto engine = NewEngine();
  Deploy(*engine, kReview);
  auto run = engine->StartRun({"approval", {{"id", "INV-1"}, {"total", 1200}}, ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  auto tasks = store_->ListTasks({});
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks->size(), 1u);
  const store::Task& task = tasks->front();
  EXPECT_EQ(task.queue, "ap");
  EXPECT_EQ(task.title, "Invoice INV-1");
  ASSERT_TRUE(task.due_at.has_value());
  EXPECT_EQ(*task.due_at, clock_.Now() + absl::Hours(4));
  EXPECT_EQ(Json::parse(task.payload_json)["data"]["total"], 1200);
  EXPECT_EQ(Detail(run->run_id).run.status, RunStatus::kRunning);

  auto resolved = engine->ResolveTask({task.task_id, "maria", "approve", "looks right", {}});
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(run->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Json::parse(detail.run.output_json), Json({{"decision", "approve"}, {"by", "maria"}}));
}

TEST_F(EngineTest, RejectedReviewEndsTheRunAsRejected) {
  auto engine = NewEngine();
  Deploy(*engine, kReview);
  auto run = engine->StartRun({"approval", {{"id", "INV-2"}, {"total", 5}}, ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  auto tasks = store_->ListTasks({});
  ASSERT_TRUE(tasks.ok() && tasks->size() == 1);
  ASSERT_TRUE(engine->ResolveTask({tasks->front().task_id, "li", "reject", "duplicate", {}}).ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::Run finished = Detail(run->run_id).run;
  EXPECT_EQ(finished.status, RunStatus::kRejected);
  EXPECT_THAT(finished.error, HasSubstr("duplicate"));
}

// A local HTTP service that fails the first `failures` calls per idempotency key with 503.
class FlakyService {
 public:
  explicit FlakyService(int failures) : failures_(failures) {
    server_.server().Post("/charge", [this](const httplib::Request& req, httplib::Response& res) {
      std::string key = req.get_header_value("Idempotency-Key");
      int seen;
      {
        std::lock_guard<std::mutex> lock(mu_);
        seen = ++calls_[key];
      }
      if (seen <= failures_) {
        res.status = 503;
        res.set_content(R"({"error":"busy"})", "application/json");
        return;
      }
      res.set_content(R"({"charged":true})", "application/json");
    });
    server_.Start();
  }
  int port() const { return server_.port(); }
  std::map<std::string, int> calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  int failures_;
  std::mutex mu_;
  std::map<std::string, int> calls_;
  steps::testing::TestHttpServer server_;  // last: stops before the members its handler uses
};

std::string ChargeSpec(int port, int attempts) {
  return absl::StrCat(R"(
workflow: charge
steps:
  - id: charge
    uses: http
    with:
      method: POST
      url: http://127.0.0.1:)",
                      port, R"(/charge
      body: { amount: 10 }
    retry: { attempts: )",
                      attempts,
                      R"(, backoff: { initial: 2s, multiplier: 2, max: 1m }, jitter: false }
outputs:
  charged: ${{ steps.charge.output.body.charged }}
)");
}

TEST_F(EngineTest, RetriesTransientFailuresWithBackoffAndTheSameIdempotencyKey) {
  FlakyService service(2);
  auto engine = NewEngine();
  Deploy(*engine, ChargeSpec(service.port(), 3));
  auto run = engine->StartRun({"charge", Json::object(), ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::StepState step = Step(Detail(run->run_id), "charge");
  EXPECT_EQ(step.status, StepStatus::kReady);
  ASSERT_TRUE(step.available_at.has_value());
  EXPECT_EQ(*step.available_at, clock_.Now() + absl::Seconds(2));  // initial backoff
  EXPECT_THAT(step.error, HasSubstr("503"));

  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  step = Step(Detail(run->run_id), "charge");
  EXPECT_EQ(*step.available_at, clock_.Now() + absl::Seconds(4));  // doubled

  clock_.Advance(absl::Seconds(4));
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(run->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Step(detail, "charge").attempt, 3);
  auto calls = service.calls();
  ASSERT_EQ(calls.size(), 1u) << "every attempt must send the same Idempotency-Key";
  EXPECT_EQ(calls.begin()->first, absl::StrCat(run->run_id, "/charge"));
  EXPECT_EQ(calls.begin()->second, 3);
}

TEST_F(EngineTest, ExhaustedRetriesFailTheRunWithTheErrorRecorded) {
  FlakyService service(100);
  auto engine = NewEngine();
  Deploy(*engine, ChargeSpec(service.port(), 2));
  auto run = engine->StartRun({"charge", Json::object(), ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  clock_.Advance(absl::Seconds(2));
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(run->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kFailed);
  EXPECT_THAT(detail.run.error, HasSubstr("failed after 2 attempts"));
  EXPECT_THAT(detail.run.error, HasSubstr("503"));
  EXPECT_EQ(Step(detail, "charge").status, StepStatus::kFailed);
}

TEST_F(EngineTest, RunawayExpressionFailsTheStepNotTheEngine) {
  auto engine = NewEngine();
  Deploy(*engine, R"(
workflow: runaway
steps:
  - id: spin
    uses: script
    with: { code: "while true do end" }
)");
  Deploy(*engine, kLinear);
  auto bad = engine->StartRun({"runaway", Json::object(), ""});
  auto good = engine->StartRun({"linear", {{"id", "g"}, {"n", 1}}, ""});
  ASSERT_TRUE(bad.ok() && good.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::Run failed = Detail(bad->run_id).run;
  EXPECT_EQ(failed.status, RunStatus::kFailed);
  EXPECT_THAT(failed.error, HasSubstr("instruction budget"));
  EXPECT_EQ(Detail(good->run_id).run.status, RunStatus::kCompleted);
}

TEST_F(EngineTest, FanOutAndFanInSeeEveryBranch) {
  auto engine = NewEngine();
  Deploy(*engine, R"(
workflow: diamond
steps:
  - id: start
    uses: probe
    with: { value: 1 }
  - id: left
    uses: probe
    needs: [start]
    with: { value: "${{ steps.start.output.value + 1 }}" }
  - id: right
    uses: probe
    needs: [start]
    with: { value: "${{ steps.start.output.value + 2 }}" }
  - id: join
    uses: script
    needs: [left, right]
    with: { code: "return { sum = steps.left.output.value + steps.right.output.value }" }
outputs: { sum: "${{ steps.join.output.sum }}" }
)");
  auto run = engine->StartRun({"diamond", Json::object(), ""});
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(run->run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Json::parse(detail.run.output_json)["sum"], 5);
}

TEST_F(EngineTest, StepInFlightAtACrashRunsAgainWithTheSameKeyAndCommittedStepsDoNot) {
  const std::string spec = R"(
workflow: crash
steps:
  - id: first
    uses: probe
  - id: pause
    uses: wait
    with: { duration: 1m }
  - id: last
    uses: probe
)";
  std::string run_id;
  {
    auto engine = NewEngine();
    Deploy(*engine, spec);
    auto run = engine->StartRun({"crash", Json::object(), ""});
    ASSERT_TRUE(run.ok());
    run_id = run->run_id;
    ASSERT_TRUE(engine->RunUntilIdle().ok());  // `first` committed, `pause` waiting
  }
  // A worker claims the due timer step and dies before committing it.
  clock_.Advance(absl::Minutes(2));
  auto claimed = store_->ClaimSteps({"doomed-worker", absl::Minutes(5)}, clock_.Now(), 10);
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ(claimed->front().step_id, "pause");

  // A new engine that knows it is alone takes over at once.
  auto engine = NewEngine();
  ASSERT_TRUE(store_->ExpireAllLeases().ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  store::RunDetail detail = Detail(run_id);
  EXPECT_EQ(detail.run.status, RunStatus::kCompleted);
  EXPECT_EQ(Step(detail, "pause").attempt, 3);  // wait, claimed by the doomed worker, resumed
  EXPECT_EQ(probe_.executions[absl::StrCat(run_id, "/first")], 1) << "committed: never again";
  EXPECT_EQ(probe_.executions[absl::StrCat(run_id, "/last")], 1);
}

TEST_F(EngineTest, StepLeasedAtStartByAnEngineThatDiedIsTakenOver) {
  std::string run_id;
  {
    auto engine = NewEngine();
    Deploy(*engine, "workflow: eager\nsteps:\n  - id: only\n    uses: probe\n");
    auto run = engine->StartRun({"eager", Json::object(), ""});
    ASSERT_TRUE(run.ok());
    run_id = run->run_id;
    auto others = store_->ClaimSteps({"ghost", absl::Minutes(5)}, clock_.Now(), 10);
    ASSERT_TRUE(others.ok());
    EXPECT_TRUE(others->empty()) << "the first step is leased to the engine that started the run";
  }
  auto engine = NewEngine();
  ASSERT_TRUE(store_->ExpireAllLeases().ok());
  ASSERT_TRUE(engine->RunUntilIdle().ok());
  EXPECT_EQ(Detail(run_id).run.status, RunStatus::kCompleted);
  EXPECT_EQ(probe_.executions[absl::StrCat(run_id, "/only")], 1);
}

// A draining worker (SIGTERM) gives back what it claimed but never started: another worker
// takes it at once, not a lease (here a minute) later.
TEST_F(EngineTest, AStoppedEngineGivesBackTheStepsItLeasedButNeverStarted) {
  auto engine = NewEngine(1);
  Deploy(*engine,
         "workflow: slow\nkey: ${{ input.id }}\nsteps:\n  - id: only\n    uses: probe\n"
         "    with: { sleep_ms: 3000 }\n");
  ASSERT_TRUE(engine->Start().ok());
  // Both runs' steps are leased to the engine as the runs are created; its one worker runs the
  // first for 3 s, so the second waits in its queue when Stop() comes.
  auto first = engine->StartRun({"slow", {{"id", "a"}}, ""});
  auto second = engine->StartRun({"slow", {{"id", "b"}}, ""});
  ASSERT_TRUE(first.ok() && second.ok());
  // Stop only once the worker is inside the first step: before that both steps are queued and
  // both would be given back (on a loaded machine the worker thread may not have run yet).
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (probe_.in_flight.load() == 0 && absl::Now() < deadline)
    absl::SleepFor(absl::Milliseconds(5));
  ASSERT_EQ(probe_.in_flight.load(), 1) << "the worker never started the first step";
  engine->Stop();

  auto taken = store_->ClaimSteps({"other-worker", absl::Minutes(1)}, absl::Now(), 10);
  ASSERT_TRUE(taken.ok()) << taken.status();
  ASSERT_EQ(taken->size(), 1u) << "the queued step is claimable at once";
  EXPECT_EQ((*taken)[0].run_id, second->run_id);
  EXPECT_EQ(probe_.executions[absl::StrCat(second->run_id, "/only")], 0);
  EXPECT_EQ(Detail(first->run_id).run.status, RunStatus::kCompleted);
}

TEST_F(EngineTest, WorkerPoolRunsManyRunsConcurrentlyAndHonoursStepConcurrency) {
  auto engine = NewEngine(4);
  Deploy(*engine, R"(
workflow: pool
key: ${{ input.i }}
steps:
  - id: slow
    uses: probe
    concurrency: 2
    with: { sleep_ms: 2, value: "${{ input.i }}" }
  - id: after
    uses: script
    with: { code: "return { i = steps.slow.output.value }" }
outputs: { i: "${{ steps.after.output.i }}" }
)");
  std::atomic<int> finished{0};
  engine->SetRunFinishedCallback([&](const std::string&, RunStatus status) {
    if (status == RunStatus::kCompleted) ++finished;
  });
  ASSERT_TRUE(engine->Start().ok());
  std::vector<std::string> runs;
  for (int i = 0; i < 100; ++i) {
    auto run = engine->StartRun({"pool", {{"i", i}}, ""});
    ASSERT_TRUE(run.ok()) << run.status();
    runs.push_back(run->run_id);
  }
  for (const std::string& run_id : runs) {
    auto run = engine->WaitForRun(run_id, absl::Seconds(30));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->status, RunStatus::kCompleted);
  }
  engine->Stop();
  EXPECT_EQ(finished.load(), 100);
  EXPECT_LE(probe_.max_in_flight.load(), 2);
  EXPECT_EQ(probe_.executions.size(), 100u);
}

}  // namespace
}  // namespace flowline::engine
