// Releases in the engine (docs/releases.md): deploying into a stage, the shadow copy of every
// new live case with its side effects suppressed, and the canary's share.
#include <httplib.h>

#include <atomic>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/http_client.h"
#include "steps/system_step_kinds.h"
#include "steps/test_http_server.h"
#include "steps/test_sqlite_file.h"
#include "store/testing/test_stores.h"

namespace flowline::engine {
namespace {

using store::RunMode;
using store::RunStatus;
using store::VersionStage;
using ::testing::HasSubstr;

// Posts the case to an HTTP endpoint and inserts it into a ledger table, behind a gate that
// sends totals above LIMIT to a person. LIMIT differs between the two versions.
constexpr char kSpec[] = R"yaml(
workflow: post
key: ${{ input.id }}
steps:
  - id: lookup
    uses: sql
    with:
      database: "sqlite:DB"
      statement: SELECT count(*) AS n FROM ledger
  - id: notify
    uses: http
    with:
      method: POST
      url: URL
      body: { id: "${{ input.id }}" }
  - id: post
    uses: sql
    needs: [notify]
    with:
      database: "sqlite:DB"
      statement: INSERT INTO ledger (id) VALUES (:id)
      params: { id: "${{ input.id }}" }
  - id: review
    uses: review
    actor: human
    needs: [post, lookup]
    with:
      gate: true
      queue: ap
exceptions:
  rules:
    - name: large
      when: ${{ input.total > LIMIT }}
outputs:
  id: ${{ input.id }}
  seen: ${{ steps.lookup.output.rows[1].n }}
  decision: ${{ steps.review.output.decision }}
)yaml";

// Runs on every store kind (store/testing/test_stores.h).
class EngineReleaseTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto opened = store::testing::OpenTestStore(GetParam(), dir_.File("flowline.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    http_ = steps::NewCurlHttpClient();
    server_.server().Post("/cases", [this](const httplib::Request&, httplib::Response& res) {
      ++received_;
      res.status = 200;
      res.set_content("{}", "application/json");
    });
    server_.Start();
    ledger_ = dir_.File("ledger.db");
    steps::testing::ExecSqlite(ledger_, "CREATE TABLE ledger (id TEXT)");
    EngineOptions engine_options;
    engine_options.workers = 0;
    engine_options.worker_id = "test";
    engine_ =
        std::make_unique<Engine>(engine_options, *store_, registry_, clock_, random_, http_.get());
  }

  std::string Spec(int limit) {
    return absl::StrReplaceAll(
        kSpec, {{"DB", ledger_}, {"URL", server_.Url("/cases")}, {"LIMIT", absl::StrCat(limit)}});
  }

  std::string Deploy(int limit, VersionStage stage) {
    auto deployed = engine_->Deploy(Spec(limit), "post.yaml", stage, "ann");
    EXPECT_TRUE(deployed.ok()) << deployed.status();
    return deployed.ok() ? deployed->version : "";
  }

  int LedgerRows() {
    return steps::testing::QuerySqliteInt(ledger_, "SELECT count(*) FROM ledger");
  }

  Json StepOutput(const std::string& run_id, const std::string& step_id) {
    auto detail = store_->GetRunDetail(run_id);
    EXPECT_TRUE(detail.ok()) << detail.status();
    for (const store::StepState& step : detail->steps) {
      if (step.step_id == step_id) return Json::parse(step.output_json);
    }
    ADD_FAILURE() << "no step " << step_id;
    return Json();
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{1};
  std::unique_ptr<store::Store> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<steps::HttpClient> http_;
  steps::testing::TestHttpServer server_;
  std::atomic<int> received_{0};
  std::string ledger_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineReleaseTest, ADraftDoesNotTakeCasesUntilItIsPromoted) {
  const std::string draft = Deploy(100, VersionStage::kDraft);
  auto started = engine_->StartRun({"post", {{"id", "a"}, {"total", 5}}, ""});
  EXPECT_EQ(started.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(started.status().message(), HasSubstr("flowline promote post"));

  const std::string live = Deploy(200, VersionStage::kLive);
  auto workflow = store_->GetWorkflow("post");
  ASSERT_TRUE(workflow.ok());
  EXPECT_EQ(workflow->live_version, live);
  auto version = store_->GetVersion("post", draft);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->stage, VersionStage::kDraft);
  // Deploying live is a stage change with its record, by the person who deployed.
  auto chain = store_->ScanRecords(0, 100);
  ASSERT_TRUE(chain.ok());
  ASSERT_EQ(chain->size(), 1u);
  EXPECT_EQ((*chain)[0].kind, "version.deployed");
  EXPECT_EQ((*chain)[0].actor, "human:ann");
  EXPECT_EQ((*chain)[0].version, live);
  EXPECT_EQ(Json::parse((*chain)[0].payload_json)["to"], "live");
}

TEST_P(EngineReleaseTest, ASpecWithAReleaseGateEntersAsADraftOnceThereIsALiveVersion) {
  const std::string gated = absl::StrCat(
      Spec(100), "release: { gate: { dataset: invoices, margins: { field_accuracy: 0.01 } } }\n");
  // The first version of a workflow goes live: there is nothing to compare it with.
  auto first = engine_->Deploy(gated, "post.yaml");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->stage, VersionStage::kLive);
  // A later one with a gate must pass it (flowline promote): it waits as a draft.
  auto second = engine_->Deploy(absl::StrReplaceAll(gated, {{"> 100", "> 200"}}), "post.yaml");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->stage, VersionStage::kDraft);
  auto workflow = store_->GetWorkflow("post");
  ASSERT_TRUE(workflow.ok());
  EXPECT_EQ(workflow->live_version, first->version);
  // Without a gate the default stays live; a stage asked for is taken as asked.
  auto ungated = engine_->Deploy(Spec(300), "post.yaml");
  ASSERT_TRUE(ungated.ok()) << ungated.status();
  EXPECT_EQ(ungated->stage, VersionStage::kLive);
  auto asked = engine_->Deploy(absl::StrReplaceAll(gated, {{"> 100", "> 400"}}), "post.yaml",
                               VersionStage::kLive);
  ASSERT_TRUE(asked.ok()) << asked.status();
  EXPECT_EQ(asked->stage, VersionStage::kLive);
}

TEST_P(EngineReleaseTest, AShadowCopyWritesNothingOutsideAndAsksNobody) {
  const std::string live = Deploy(1000, VersionStage::kLive);
  const std::string shadow = Deploy(10, VersionStage::kShadow);
  auto started = engine_->StartRun({"post", {{"id", "INV-1"}, {"total", 50}}, ""});
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_FALSE(started->shadow_run_id.empty());
  ASSERT_TRUE(engine_->RunUntilIdle().ok());

  // The live case: one request, one row, straight through (50 <= 1000).
  auto live_run = store_->GetRun(started->run_id);
  ASSERT_TRUE(live_run.ok());
  EXPECT_EQ(live_run->status, RunStatus::kCompleted) << live_run->error;
  EXPECT_EQ(live_run->mode, RunMode::kNormal);
  EXPECT_EQ(received_.load(), 1);
  EXPECT_EQ(LedgerRows(), 1);

  // The shadow: same case, nothing sent or written, and no task although its gate (50 > 10)
  // would have asked a person.
  auto shadow_run = store_->GetRun(started->shadow_run_id);
  ASSERT_TRUE(shadow_run.ok());
  EXPECT_EQ(shadow_run->status, RunStatus::kCompleted) << shadow_run->error;
  EXPECT_EQ(shadow_run->mode, RunMode::kShadow);
  EXPECT_EQ(shadow_run->version, shadow);
  EXPECT_EQ(shadow_run->parent_run_id, started->run_id);
  EXPECT_EQ(shadow_run->business_key, "INV-1");
  Json notify = StepOutput(shadow_run->run_id, "notify");
  EXPECT_EQ(notify["suppressed"], true);
  EXPECT_EQ(notify["request"]["method"], "POST");
  EXPECT_EQ(notify["request"]["url"], server_.Url("/cases"));
  EXPECT_EQ(notify["request"]["body"], R"({"id":"INV-1"})");
  Json post = StepOutput(shadow_run->run_id, "post");
  EXPECT_EQ(post["suppressed"], true);
  EXPECT_EQ(post["request"]["statement"], "INSERT INTO ledger (id) VALUES (:id)");
  EXPECT_EQ(post["request"]["params"], Json({{"id", "INV-1"}}));
  Json review = StepOutput(shadow_run->run_id, "review");
  EXPECT_EQ(review["would_route"], "person");
  EXPECT_EQ(review["decision"], "auto");
  store::TaskFilter tasks;
  tasks.status = std::nullopt;
  auto open = store_->ListTasks(tasks);
  ASSERT_TRUE(open.ok());
  EXPECT_TRUE(open->empty());
  // The read-only lookup ran in the shadow too (it saw the ledger as it was).
  Json lookup = StepOutput(shadow_run->run_id, "lookup");
  EXPECT_FALSE(lookup.contains("suppressed"));
  EXPECT_EQ(received_.load(), 1);
  EXPECT_EQ(LedgerRows(), 1);

  // A duplicate trigger of the live case starts no second shadow.
  auto again = engine_->StartRun({"post", {{"id", "INV-1"}, {"total", 50}}, ""});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_TRUE(again->shadow_run_id.empty());
  (void)live;
}

TEST_P(EngineReleaseTest, TheCanaryTakesItsShareByBusinessKey) {
  const std::string live = Deploy(1000, VersionStage::kLive);
  const std::string canary = Deploy(10, VersionStage::kDraft);
  store::StageChange change;
  change.workflow = "post";
  change.version = canary;
  change.canary_share = 0.3;
  change.now = clock_.Now();
  ASSERT_TRUE(store_->SetVersionStage(change).ok());
  int on_canary = 0;
  for (int i = 0; i < 40; ++i) {
    const std::string key = absl::StrCat("INV-", i);
    auto started = engine_->StartRun({"post", {{"id", key}, {"total", 1}}, ""});
    ASSERT_TRUE(started.ok()) << started.status();
    const bool expected = CanaryDraw("post", key) < 0.3;
    EXPECT_EQ(started->canary, expected) << key;
    EXPECT_EQ(started->version, expected ? canary : live) << key;
    on_canary += expected ? 1 : 0;
  }
  EXPECT_GT(on_canary, 0);
  EXPECT_LT(on_canary, 40);
  ASSERT_TRUE(engine_->RunUntilIdle().ok());
  EXPECT_EQ(LedgerRows(), 40);  // canary runs are real runs
}

TEST(CanaryDrawTest, TheShareOverTenThousandKeysIsWithinTolerance) {
  for (double share : {0.05, 0.1, 0.5}) {
    int hits = 0;
    for (int i = 0; i < 10000; ++i) {
      if (CanaryDraw("invoices", absl::StrCat("INV-", i)) < share) ++hits;
    }
    EXPECT_NEAR(hits / 10000.0, share, 0.015) << share;
  }
  // The same key always draws the same; another workflow draws independently.
  EXPECT_EQ(CanaryDraw("invoices", "INV-7"), CanaryDraw("invoices", "INV-7"));
  EXPECT_NE(CanaryDraw("invoices", "INV-7"), CanaryDraw("claims", "INV-7"));
}

INSTANTIATE_TEST_SUITE_P(Stores, EngineReleaseTest,
                         ::testing::ValuesIn(store::testing::kTestStoreKinds),
                         store::testing::TestStoreKindName);

}  // namespace
}  // namespace flowline::engine
