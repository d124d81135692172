// The conformance suite's fixture, and its tests of versions, run creation, tokens and queries.
#include "store/store_conformance.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr) << "the store factory returned no store";
}

void StoreConformanceTest::TearDown() { store_.reset(); }

absl::Time StoreConformanceTest::At(double seconds) {
  return absl::FromUnixSeconds(1'700'000'000) + absl::Seconds(seconds);
}

NewRun StoreConformanceTest::MakeRun(const std::string& run_id, std::vector<NewStep> steps,
                                     absl::Time now) {
  NewRun run;
  run.run_id = run_id;
  run.workflow = "wf";
  run.version = "v1";
  run.input_json = R"({"n":1})";
  run.now = now;
  run.steps = std::move(steps);
  run.records.push_back(NewRecord{"", "run.created", "system", R"({"by":"test"})"});
  return run;
}

std::vector<NewStep> StoreConformanceTest::ChainSteps() {
  return {{"a", 0}, {"b", 1}, {"c", 1}, {kEndStepId, 1}};
}

StepCommit StoreConformanceTest::MakeCommit(const ClaimedStep& claim, StepResolution resolution,
                                            absl::Time now) {
  StepCommit commit;
  commit.run_id = claim.run_id;
  commit.step_id = claim.step_id;
  commit.lease_token = claim.lease_token;
  commit.now = now;
  commit.resolution = resolution;
  const char* kind = "step.completed";
  switch (resolution) {
    case StepResolution::kCompleted:
      kind = "step.completed";
      break;
    case StepResolution::kSkipped:
      kind = "step.skipped";
      break;
    case StepResolution::kFailed:
      kind = "step.failed";
      break;
    case StepResolution::kRetry:
      kind = "step.retry";
      break;
    case StepResolution::kWaitTask:
      kind = "step.waiting_task";
      break;
    case StepResolution::kWaitTimer:
      kind = "step.waiting_timer";
      break;
  }
  commit.records.push_back(NewRecord{claim.step_id, kind, "system", "{}"});
  return commit;
}

CreateRunResult StoreConformanceTest::Create(const NewRun& run) {
  absl::StatusOr<CreateRunResult> result = store().CreateRun(run);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : CreateRunResult{};
}

std::vector<ClaimedStep> StoreConformanceTest::Claim(const std::string& owner, absl::Time now,
                                                     int max, absl::Duration lease) {
  absl::StatusOr<std::vector<ClaimedStep>> claimed =
      store().ClaimSteps(LeaseRequest{owner, lease}, now, max);
  EXPECT_TRUE(claimed.ok()) << claimed.status();
  return claimed.ok() ? *std::move(claimed) : std::vector<ClaimedStep>{};
}

ClaimedStep StoreConformanceTest::ClaimStep(const std::string& run_id, const std::string& step_id,
                                            absl::Time now, const std::string& owner) {
  for (ClaimedStep& claim : Claim(owner, now)) {
    if (claim.run_id == run_id && claim.step_id == step_id) return claim;
  }
  ADD_FAILURE() << "step " << step_id << " of run " << run_id << " was not due at "
                << absl::FormatTime(now);
  return ClaimedStep{};
}

StepState StoreConformanceTest::GetStep(const std::string& run_id, const std::string& step_id) {
  absl::StatusOr<RunDetail> detail = store().GetRunDetail(run_id);
  EXPECT_TRUE(detail.ok()) << detail.status();
  if (detail.ok()) {
    for (StepState& step : detail->steps) {
      if (step.step_id == step_id) return step;
    }
  }
  ADD_FAILURE() << "no step " << step_id << " in run " << run_id;
  return StepState{};
}

std::vector<std::string> StoreConformanceTest::RecordKinds(const std::string& run_id) {
  absl::StatusOr<std::vector<Record>> records = store().ListRecords(run_id);
  EXPECT_TRUE(records.ok()) << records.status();
  std::vector<std::string> kinds;
  if (records.ok()) {
    for (const Record& record : *records) kinds.push_back(record.kind);
  }
  return kinds;
}

namespace {

VersionInfo MakeVersion(const std::string& workflow, const std::string& version,
                        absl::Time deployed_at) {
  return VersionInfo{workflow, version, absl::StrCat("workflow: ", workflow, "\n"),
                     absl::StrCat(workflow, ".yaml"), deployed_at};
}

// ---- Versions ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, PutVersionStoresItAndMakesItLive) {
  ASSERT_OK_AND_ASSIGN(bool stored, store().PutVersion(MakeVersion("wf", "v1", At(1))));
  EXPECT_TRUE(stored);
  ASSERT_OK_AND_ASSIGN(VersionInfo version, store().GetVersion("wf", "v1"));
  EXPECT_EQ(version.workflow, "wf");
  EXPECT_EQ(version.version, "v1");
  EXPECT_EQ(version.spec_source, "workflow: wf\n");
  EXPECT_EQ(version.source_name, "wf.yaml");
  EXPECT_EQ(version.deployed_at, At(1));
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().GetWorkflow("wf"));
  EXPECT_EQ(workflow.live_version, "v1");
  EXPECT_EQ(workflow.updated_at, At(1));

  ASSERT_OK(store().PutVersion(MakeVersion("wf", "v2", At(2))).status());
  ASSERT_OK_AND_ASSIGN(workflow, store().GetWorkflow("wf"));
  EXPECT_EQ(workflow.live_version, "v2");
}

TEST_P(StoreConformanceTest, PutVersionIsIdempotent) {
  ASSERT_OK(store().PutVersion(MakeVersion("wf", "v1", At(1))).status());
  ASSERT_OK(store().PutVersion(MakeVersion("wf", "v2", At(2))).status());
  VersionInfo again = MakeVersion("wf", "v1", At(3));
  again.spec_source = "changed";
  ASSERT_OK_AND_ASSIGN(bool stored, store().PutVersion(again));
  EXPECT_FALSE(stored);
  // Nothing changed: not the stored version, and not which version is live.
  ASSERT_OK_AND_ASSIGN(VersionInfo version, store().GetVersion("wf", "v1"));
  EXPECT_EQ(version.spec_source, "workflow: wf\n");
  EXPECT_EQ(version.deployed_at, At(1));
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().GetWorkflow("wf"));
  EXPECT_EQ(workflow.live_version, "v2");
  EXPECT_EQ(workflow.updated_at, At(2));
}

TEST_P(StoreConformanceTest, ListsWorkflowsAndTheirVersions) {
  ASSERT_OK_AND_ASSIGN(std::vector<WorkflowInfo> none, store().ListWorkflows());
  EXPECT_THAT(none, IsEmpty());
  ASSERT_OK(store().PutVersion(MakeVersion("invoices", "v1", At(1))).status());
  ASSERT_OK(store().PutVersion(MakeVersion("claims", "c1", At(2))).status());
  ASSERT_OK(store().PutVersion(MakeVersion("invoices", "v2", At(3))).status());

  ASSERT_OK_AND_ASSIGN(std::vector<WorkflowInfo> workflows, store().ListWorkflows());
  std::vector<std::string> names;
  for (const WorkflowInfo& workflow : workflows) {
    names.push_back(absl::StrCat(workflow.workflow, "@", workflow.live_version));
  }
  EXPECT_THAT(names, UnorderedElementsAre("invoices@v2", "claims@c1"));

  ASSERT_OK_AND_ASSIGN(std::vector<VersionInfo> versions, store().ListVersions("invoices"));
  std::vector<std::string> ids;
  for (const VersionInfo& version : versions) ids.push_back(version.version);
  EXPECT_THAT(ids, UnorderedElementsAre("v1", "v2"));
  ASSERT_OK_AND_ASSIGN(versions, store().ListVersions("unknown"));
  EXPECT_THAT(versions, IsEmpty());
}

TEST_P(StoreConformanceTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(CodeOf(store().GetVersion("wf", "nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().GetWorkflow("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().GetRun("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().GetRunDetail("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().GetTask("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().ClaimTask("nope", "ann", At(0), absl::Minutes(5))),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().ReleaseTask("nope", "ann")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().ResolveTask(Decide("nope", "ann", "approve", "{}", At(0)))),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().RevokeToken("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().FindToken("nope")), absl::StatusCode::kNotFound);

  StepCommit commit;
  commit.run_id = "nope";
  commit.step_id = "a";
  commit.lease_token = "token";
  commit.now = At(0);
  EXPECT_EQ(CodeOf(store().CommitStep(commit)), absl::StatusCode::kNotFound);
  Create(MakeRun("r1", ChainSteps()));
  commit.run_id = "r1";
  commit.step_id = "nope";
  EXPECT_EQ(CodeOf(store().CommitStep(commit)), absl::StatusCode::kNotFound);
}

// ---- Creating runs ----------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CreateRunStoresTheRunItsStepsAndRecords) {
  CreateRunResult result = Create(MakeRun("r1", ChainSteps(), At(5)));
  EXPECT_EQ(result.run_id, "r1");
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.status, RunStatus::kRunning);
  EXPECT_THAT(result.leased, IsEmpty());

  ASSERT_OK_AND_ASSIGN(RunDetail detail, store().GetRunDetail("r1"));
  EXPECT_EQ(detail.run.run_id, "r1");
  EXPECT_EQ(detail.run.workflow, "wf");
  EXPECT_EQ(detail.run.version, "v1");
  EXPECT_EQ(detail.run.business_key, "");
  EXPECT_EQ(detail.run.status, RunStatus::kRunning);
  EXPECT_EQ(detail.run.input_json, R"({"n":1})");
  EXPECT_EQ(detail.run.created_at, At(5));
  EXPECT_FALSE(detail.run.finished_at.has_value());

  std::vector<std::string> order;
  for (const StepState& step : detail.steps) order.push_back(step.step_id);
  EXPECT_THAT(order, ElementsAre("a", "b", "c", kEndStepId));  // plan order, $end last
  const StepState& a = detail.steps[0];
  EXPECT_EQ(a.status, StepStatus::kReady);
  EXPECT_EQ(a.available_at, At(5));
  EXPECT_EQ(a.attempt, 0);
  EXPECT_EQ(a.deps_remaining, 0);
  EXPECT_EQ(a.lease_token, "");
  const StepState& b = detail.steps[1];
  EXPECT_EQ(b.status, StepStatus::kPending);
  EXPECT_EQ(b.deps_remaining, 1);
  EXPECT_FALSE(b.available_at.has_value());

  ASSERT_OK(store().GetRun("r1").status());
  ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store().ListRecords("r1"));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].run_id, "r1");
  EXPECT_EQ(records[0].step_id, "");
  EXPECT_EQ(records[0].kind, "run.created");
  EXPECT_EQ(records[0].actor, "system");
  EXPECT_EQ(records[0].payload_json, R"({"by":"test"})");
  EXPECT_EQ(records[0].at, At(5));
}

TEST_P(StoreConformanceTest, CreateRunDeduplicatesByBusinessKey) {
  NewRun first = MakeRun("r1", ChainSteps());
  first.business_key = "invoice-42";
  ASSERT_TRUE(Create(first).created);

  NewRun second = MakeRun("r2", ChainSteps(), At(1));
  second.business_key = "invoice-42";
  second.lease = LeaseRequest{"worker-1", absl::Seconds(60)};
  CreateRunResult result = Create(second);
  EXPECT_EQ(result.run_id, "r1");
  EXPECT_FALSE(result.created);
  EXPECT_EQ(result.status, RunStatus::kRunning);
  EXPECT_THAT(result.leased, IsEmpty());

  // Nothing was written for the duplicate.
  EXPECT_EQ(CodeOf(store().GetRun("r2")), absl::StatusCode::kNotFound);
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created"));
  EXPECT_THAT(RecordKinds("r2"), IsEmpty());
  EXPECT_EQ(GetStep("r1", "a").status, StepStatus::kReady);
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store().ListRuns(RunFilter{}));
  EXPECT_EQ(runs.size(), 1u);
}

TEST_P(StoreConformanceTest, DuplicateOfAFinishedRunReportsItsStatus) {
  NewRun run = MakeRun("r1", {{"a", 0}, {kEndStepId, 1}});
  run.business_key = "k";
  Create(run);
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit commit = MakeCommit(a, StepResolution::kFailed, At(2));
  commit.error = "boom";
  commit.finish = RunFinish{RunStatus::kFailed, "", "boom"};
  ASSERT_OK(store().CommitStep(commit).status());

  NewRun again = MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(3));
  again.business_key = "k";
  CreateRunResult result = Create(again);
  EXPECT_EQ(result.run_id, "r1");
  EXPECT_FALSE(result.created);
  EXPECT_EQ(result.status, RunStatus::kFailed);
}

TEST_P(StoreConformanceTest, EmptyBusinessKeyIsNeverDeduplicated) {
  EXPECT_TRUE(Create(MakeRun("r1", ChainSteps())).created);
  EXPECT_TRUE(Create(MakeRun("r2", ChainSteps())).created);
  ASSERT_OK(store().GetRun("r1").status());
  ASSERT_OK(store().GetRun("r2").status());
}

TEST_P(StoreConformanceTest, SameBusinessKeyInAnotherWorkflowIsAnotherRun) {
  NewRun first = MakeRun("r1", ChainSteps());
  first.business_key = "k";
  NewRun second = MakeRun("r2", ChainSteps());
  second.workflow = "other";
  second.business_key = "k";
  EXPECT_TRUE(Create(first).created);
  CreateRunResult result = Create(second);
  EXPECT_TRUE(result.created);
  EXPECT_EQ(result.run_id, "r2");
}

TEST_P(StoreConformanceTest, DuplicateRunIdIsRefusedAndChangesNothing) {
  Create(MakeRun("r1", ChainSteps()));
  NewRun again = MakeRun("r1", {{"x", 0}, {kEndStepId, 1}}, At(9));
  EXPECT_FALSE(store().CreateRun(again).ok());
  ASSERT_OK_AND_ASSIGN(RunDetail detail, store().GetRunDetail("r1"));
  EXPECT_EQ(detail.run.created_at, At(0));
  EXPECT_EQ(detail.steps.size(), 4u);
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created"));
}

TEST_P(StoreConformanceTest, CreateRunWithLeaseStartsReadyStepsEagerly) {
  NewRun run = MakeRun("r1", {{"a", 0}, {"b", 0}, {"c", 2}, {kEndStepId, 1}}, At(10));
  run.lease = LeaseRequest{"worker-1", absl::Seconds(30)};
  CreateRunResult result = Create(run);
  ASSERT_EQ(result.leased.size(), 2u);
  std::vector<std::string> leased;
  for (const ClaimedStep& claim : result.leased) {
    leased.push_back(claim.step_id);
    EXPECT_EQ(claim.run_id, "r1");
    EXPECT_EQ(claim.workflow, "wf");
    EXPECT_EQ(claim.version, "v1");
    EXPECT_EQ(claim.attempt, 1);
    EXPECT_FALSE(claim.lease_token.empty());
    EXPECT_EQ(claim.lease_expires_at, At(40));
    EXPECT_EQ(claim.resume_json, "");
    EXPECT_EQ(claim.idempotency_key, absl::StrCat("r1/", claim.step_id));
  }
  EXPECT_THAT(leased, UnorderedElementsAre("a", "b"));
  EXPECT_NE(result.leased[0].lease_token, result.leased[1].lease_token);

  StepState a = GetStep("r1", "a");
  EXPECT_EQ(a.status, StepStatus::kRunning);
  EXPECT_EQ(a.attempt, 1);
  EXPECT_EQ(a.lease_owner, "worker-1");
  EXPECT_EQ(a.lease_expires_at, At(40));
  EXPECT_EQ(a.started_at, At(10));
  EXPECT_EQ(GetStep("r1", "c").status, StepStatus::kPending);
  // Leased steps are not claimable by anyone else while the lease lasts.
  EXPECT_THAT(Claim("worker-2", At(20)), IsEmpty());

  // The eager lease is a real lease: its holder commits with it.
  StepCommit commit = MakeCommit(result.leased[0], StepResolution::kCompleted, At(11));
  commit.dependents = {"c"};
  ASSERT_OK(store().CommitStep(commit).status());
}

TEST_P(StoreConformanceTest, PayloadsAreStoredVerbatim) {
  const std::string input =
      "{ \"name\" : \"Zo\xc3\xab \\u00e9 \\\"quoted\\\"\",\n\t\"x\": [1, 2.50] }";
  NewRun run = MakeRun("r1", {{"a", 0}, {kEndStepId, 1}});
  run.input_json = input;
  Create(run);
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(2));
  commit.params_json = "{\"with\":  null}";
  commit.output_json = "[ \"\xe2\x82\xac\", {} ]";
  commit.confidence = 0.875;
  commit.dependents = {kEndStepId};
  ASSERT_OK(store().CommitStep(commit).status());
  ASSERT_OK_AND_ASSIGN(store::Run stored, store().GetRun("r1"));
  EXPECT_EQ(stored.input_json, input);
  StepState step = GetStep("r1", "a");
  EXPECT_EQ(step.params_json, "{\"with\":  null}");
  EXPECT_EQ(step.output_json, "[ \"\xe2\x82\xac\", {} ]");
  EXPECT_EQ(step.confidence, 0.875);
}

// ---- Queries ----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ListRunsFiltersAndPagesNewestFirst) {
  for (int i = 1; i <= 5; ++i) {
    NewRun run = MakeRun(absl::StrCat("r", i), {{"a", 0}, {kEndStepId, 1}}, At(i));
    if (i % 2 == 0) run.workflow = "other";
    Create(run);
  }
  // Fail r3.
  ClaimedStep a = ClaimStep("r3", "a", At(10));
  StepCommit commit = MakeCommit(a, StepResolution::kFailed, At(11));
  commit.finish = RunFinish{RunStatus::kFailed, "", "boom"};
  ASSERT_OK(store().CommitStep(commit).status());

  auto ids = [](const std::vector<store::Run>& runs) {
    std::vector<std::string> out;
    for (const store::Run& run : runs) out.push_back(run.run_id);
    return out;
  };
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store().ListRuns(RunFilter{}));
  EXPECT_THAT(ids(runs), ElementsAre("r5", "r4", "r3", "r2", "r1"));

  RunFilter by_workflow;
  by_workflow.workflow = "wf";
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(by_workflow));
  EXPECT_THAT(ids(runs), ElementsAre("r5", "r3", "r1"));

  RunFilter running;
  running.status = RunStatus::kRunning;
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(running));
  EXPECT_THAT(ids(runs), ElementsAre("r5", "r4", "r2", "r1"));

  RunFilter failed_wf;
  failed_wf.workflow = "wf";
  failed_wf.status = RunStatus::kFailed;
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(failed_wf));
  EXPECT_THAT(ids(runs), ElementsAre("r3"));
  EXPECT_EQ(runs[0].error, "boom");

  RunFilter page;
  page.limit = 2;
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(page));
  EXPECT_THAT(ids(runs), ElementsAre("r5", "r4"));
  page.before_run_id = "r4";
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(page));
  EXPECT_THAT(ids(runs), ElementsAre("r3", "r2"));
  page.before_run_id = "r2";
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(page));
  EXPECT_THAT(ids(runs), ElementsAre("r1"));

  RunFilter paged_workflow;
  paged_workflow.workflow = "wf";
  paged_workflow.before_run_id = "r5";
  paged_workflow.limit = 1;
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(paged_workflow));
  EXPECT_THAT(ids(runs), ElementsAre("r3"));
}

// ---- Tokens -----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, TokensArePutFoundListedAndRevoked) {
  ASSERT_OK(store().PutToken(Token("t1", "ci", "operator", "hash-1", At(1))));
  ASSERT_OK(store().PutToken(Token("t2", "alice", "reviewer", "hash-2", At(2))));

  ASSERT_OK_AND_ASSIGN(TokenInfo found, store().FindToken("hash-2"));
  EXPECT_EQ(found.token_id, "t2");
  EXPECT_EQ(found.name, "alice");
  EXPECT_EQ(found.role, "reviewer");
  EXPECT_EQ(found.token_hash, "hash-2");
  EXPECT_EQ(found.created_at, At(2));
  EXPECT_FALSE(found.revoked);
  EXPECT_EQ(CodeOf(store().FindToken("hash-3")), absl::StatusCode::kNotFound);

  ASSERT_OK(store().RevokeToken("t2"));
  EXPECT_EQ(CodeOf(store().FindToken("hash-2")), absl::StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(found, store().FindToken("hash-1"));
  EXPECT_EQ(found.token_id, "t1");

  ASSERT_OK_AND_ASSIGN(std::vector<TokenInfo> tokens, store().ListTokens());
  ASSERT_EQ(tokens.size(), 2u);
  for (const TokenInfo& token : tokens) {
    EXPECT_EQ(token.revoked, token.token_id == "t2") << token.token_id;
  }
  EXPECT_EQ(CodeOf(store().RevokeToken("t9")), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flowline::store::testing
