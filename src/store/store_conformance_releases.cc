// The conformance suite: releases — version stages, the shadow and the canary of a workflow,
// run modes, and the shadow's comparisons with live (docs/releases.md).
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

VersionInfo Version(const std::string& version, VersionStage stage, absl::Time at) {
  VersionInfo info{"wf", version, "workflow: wf\n", "wf.yaml", at};
  info.stage = stage;
  return info;
}

StageChange Change(const std::string& version, VersionStage to, absl::Time now) {
  StageChange change;
  change.workflow = "wf";
  change.version = version;
  change.to = to;
  change.now = now;
  change.records.push_back({"", "version.promoted", "human:ann",
                            R"({"to":")" + std::string(VersionStageName(to)) + "\"}"});
  return change;
}

VersionStage StageOf(Store& store, const std::string& version) {
  absl::StatusOr<VersionInfo> info = store.GetVersion("wf", version);
  EXPECT_TRUE(info.ok()) << info.status();
  return info.ok() ? info->stage : VersionStage::kDraft;
}

}  // namespace

TEST_P(StoreConformanceTest, NewVersionsEnterTheirStage) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kDraft, At(1))).status());
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().GetWorkflow("wf"));
  EXPECT_EQ(workflow.live_version, "");  // a draft alone: the workflow exists, nothing is live
  EXPECT_EQ(StageOf(store(), "v1"), VersionStage::kDraft);

  ASSERT_OK(store().PutVersion(Version("v2", VersionStage::kLive, At(2))).status());
  ASSERT_OK(store().PutVersion(Version("v3", VersionStage::kShadow, At(3))).status());
  ASSERT_OK_AND_ASSIGN(workflow, store().GetWorkflow("wf"));
  EXPECT_EQ(workflow.live_version, "v2");
  EXPECT_EQ(workflow.shadow_version, "v3");
  ASSERT_OK(store().PutVersion(Version("v4", VersionStage::kLive, At(4))).status());
  EXPECT_EQ(StageOf(store(), "v1"), VersionStage::kDraft);
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kRetired);
  EXPECT_EQ(StageOf(store(), "v3"), VersionStage::kShadow);
  EXPECT_EQ(StageOf(store(), "v4"), VersionStage::kLive);

  // Storing a version again changes nothing, its stage included.
  ASSERT_OK_AND_ASSIGN(bool stored, store().PutVersion(Version("v2", VersionStage::kLive, At(5))));
  EXPECT_FALSE(stored);
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kRetired);
}

TEST_P(StoreConformanceTest, PromotingToLiveRetiresThePreviousLiveAndRecordsTheChange) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kLive, At(1))).status());
  ASSERT_OK(store().PutVersion(Version("v2", VersionStage::kShadow, At(2))).status());
  ASSERT_OK_AND_ASSIGN(RecordChainHead before, store().GetRecordChainHead());

  StageChange change = Change("v2", VersionStage::kLive, At(3));
  change.expected_from = VersionStage::kShadow;
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().SetVersionStage(change));
  EXPECT_EQ(workflow.live_version, "v2");
  EXPECT_EQ(workflow.shadow_version, "");  // it left the shadow for live
  EXPECT_EQ(workflow.updated_at, At(3));
  EXPECT_EQ(StageOf(store(), "v1"), VersionStage::kRetired);
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kLive);

  ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store().ScanRecords(before.seq, 10));
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].run_id, "");
  EXPECT_EQ(records[0].version, "v2");
  EXPECT_EQ(records[0].kind, "version.promoted");
  EXPECT_EQ(records[0].actor, "human:ann");
  EXPECT_EQ(records[0].at, At(3));

  // Rollback is the same move back: the retired version is live again.
  ASSERT_OK_AND_ASSIGN(workflow, store().SetVersionStage(Change("v1", VersionStage::kLive, At(4))));
  EXPECT_EQ(workflow.live_version, "v1");
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kRetired);
}

TEST_P(StoreConformanceTest, AWorkflowHasOneShadow) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kLive, At(1))).status());
  ASSERT_OK(store().PutVersion(Version("v2", VersionStage::kDraft, At(2))).status());
  ASSERT_OK(store().PutVersion(Version("v3", VersionStage::kDraft, At(3))).status());
  ASSERT_OK(store().SetVersionStage(Change("v2", VersionStage::kShadow, At(4))).status());
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow,
                       store().SetVersionStage(Change("v3", VersionStage::kShadow, At(5))));
  EXPECT_EQ(workflow.shadow_version, "v3");
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kDraft);
  ASSERT_OK_AND_ASSIGN(workflow,
                       store().SetVersionStage(Change("v3", VersionStage::kRetired, At(6))));
  EXPECT_EQ(workflow.shadow_version, "");
  EXPECT_EQ(StageOf(store(), "v3"), VersionStage::kRetired);
}

TEST_P(StoreConformanceTest, TheLiveVersionLeavesLiveOnlyWhenAnotherTakesOver) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kLive, At(1))).status());
  ASSERT_OK_AND_ASSIGN(RecordChainHead before, store().GetRecordChainHead());
  for (VersionStage to : {VersionStage::kRetired, VersionStage::kDraft, VersionStage::kShadow}) {
    absl::StatusOr<WorkflowInfo> refused = store().SetVersionStage(Change("v1", to, At(2)));
    EXPECT_EQ(CodeOf(refused), absl::StatusCode::kFailedPrecondition) << VersionStageName(to);
    EXPECT_THAT(MessageOf(refused), HasSubstr("live"));
  }
  ASSERT_OK_AND_ASSIGN(RecordChainHead after, store().GetRecordChainHead());
  EXPECT_EQ(after.seq, before.seq);  // nothing recorded for a refused change
  EXPECT_EQ(StageOf(store(), "v1"), VersionStage::kLive);
}

TEST_P(StoreConformanceTest, StageChangesCheckTheExpectedStageAndTheVersion) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kLive, At(1))).status());
  ASSERT_OK(store().PutVersion(Version("v2", VersionStage::kDraft, At(2))).status());
  StageChange change = Change("v2", VersionStage::kLive, At(3));
  change.expected_from = VersionStage::kShadow;
  absl::StatusOr<WorkflowInfo> stale = store().SetVersionStage(change);
  EXPECT_EQ(CodeOf(stale), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(stale), HasSubstr("draft"));
  EXPECT_EQ(StageOf(store(), "v1"), VersionStage::kLive);
  EXPECT_EQ(CodeOf(store().SetVersionStage(Change("nope", VersionStage::kLive, At(3)))),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, ACanaryTakesAShareUntilItGoesLive) {
  ASSERT_OK(store().PutVersion(Version("v1", VersionStage::kLive, At(1))).status());
  ASSERT_OK(store().PutVersion(Version("v2", VersionStage::kDraft, At(2))).status());
  StageChange canary = Change("v2", VersionStage::kDraft, At(3));
  canary.canary_share = 0.1;
  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().SetVersionStage(canary));
  EXPECT_EQ(workflow.canary_version, "v2");
  EXPECT_DOUBLE_EQ(workflow.canary_share, 0.1);
  EXPECT_EQ(StageOf(store(), "v2"), VersionStage::kDraft);  // a canary keeps its stage

  canary.canary_share = 1.5;
  EXPECT_EQ(CodeOf(store().SetVersionStage(canary)), absl::StatusCode::kInvalidArgument);
  StageChange live_canary = Change("v1", VersionStage::kDraft, At(3));
  live_canary.canary_share = 0.2;
  EXPECT_EQ(CodeOf(store().SetVersionStage(live_canary)), absl::StatusCode::kFailedPrecondition);

  ASSERT_OK_AND_ASSIGN(workflow, store().SetVersionStage(Change("v2", VersionStage::kLive, At(4))));
  EXPECT_EQ(workflow.live_version, "v2");
  EXPECT_EQ(workflow.canary_version, "");
  EXPECT_DOUBLE_EQ(workflow.canary_share, 0);

  ASSERT_OK(store().PutVersion(Version("v3", VersionStage::kDraft, At(5))).status());
  canary = Change("v3", VersionStage::kDraft, At(6));
  canary.canary_share = 0.05;
  ASSERT_OK(store().SetVersionStage(canary).status());
  canary.canary_share = 0;  // ends it
  ASSERT_OK_AND_ASSIGN(workflow, store().SetVersionStage(canary));
  EXPECT_EQ(workflow.canary_version, "");
  EXPECT_EQ(CodeOf(store().SetVersionStage(canary)), absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, RunsKeepTheirModeAndOnlyNormalRunsAreDeduplicated) {
  NewRun live = MakeRun("r1", {{kEndStepId, 0}}, At(1));
  live.business_key = "INV-1";
  Create(live);
  NewRun shadow = MakeRun("r2", {{kEndStepId, 0}}, At(1));
  shadow.business_key = "INV-1";
  shadow.mode = RunMode::kShadow;
  shadow.parent_run_id = "r1";
  shadow.version = "v2";
  CreateRunResult created = Create(shadow);
  EXPECT_TRUE(created.created);
  EXPECT_EQ(created.run_id, "r2");
  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r2"));
  EXPECT_EQ(run.mode, RunMode::kShadow);
  EXPECT_EQ(run.parent_run_id, "r1");
  ASSERT_OK_AND_ASSIGN(run, store().GetRun("r1"));
  EXPECT_EQ(run.mode, RunMode::kNormal);

  NewRun again = MakeRun("r3", {{kEndStepId, 0}}, At(2));
  again.business_key = "INV-1";
  created = Create(again);
  EXPECT_FALSE(created.created);
  EXPECT_EQ(created.run_id, "r1");

  RunFilter filter;
  filter.mode = RunMode::kShadow;
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store().ListRuns(filter));
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].run_id, "r2");
  filter.mode = RunMode::kNormal;
  filter.finished_only = true;
  ASSERT_OK_AND_ASSIGN(runs, store().ListRuns(filter));
  EXPECT_THAT(runs, IsEmpty());
}

TEST_P(StoreConformanceTest, TheRecordFeedLeavesOutShadowRuns) {
  Create(MakeRun("r1", {{kEndStepId, 0}}, At(1)));
  NewRun shadow = MakeRun("r2", {{kEndStepId, 0}}, At(1));
  shadow.mode = RunMode::kShadow;
  shadow.parent_run_id = "r1";
  Create(shadow);
  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> feed, store().ListRecordsAfter({0, {}, 100}));
  std::vector<std::string> runs;
  for (const FeedRecord& record : feed) runs.push_back(record.record.run_id);
  EXPECT_THAT(runs, ElementsAre("r1"));
}

TEST_P(StoreConformanceTest, ShadowRunsWaitForBothToFinishBeforeTheyAreCompared) {
  NewRun live = MakeRun("r1", {{kEndStepId, 0}}, At(1));
  live.lease = LeaseRequest{"w", absl::Seconds(60)};
  CreateRunResult live_created = Create(live);
  NewRun shadow = MakeRun("r2", {{kEndStepId, 0}}, At(1));
  shadow.mode = RunMode::kShadow;
  shadow.parent_run_id = "r1";
  shadow.version = "v2";
  shadow.lease = LeaseRequest{"w", absl::Seconds(60)};
  CreateRunResult shadow_created = Create(shadow);
  ASSERT_EQ(live_created.leased.size(), 1u);
  ASSERT_EQ(shadow_created.leased.size(), 1u);
  auto finish = [&](const ClaimedStep& claim, absl::Time at) {
    StepCommit commit = MakeCommit(claim, StepResolution::kCompleted, at);
    commit.finish = RunFinish{RunStatus::kCompleted, R"({"total":1})", ""};
    ASSERT_OK(store().CommitStep(commit).status());
  };

  finish(shadow_created.leased[0], At(2));
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> pending, store().ListUncomparedShadowRuns("wf", 10));
  EXPECT_THAT(pending, IsEmpty());  // the live run is still running
  finish(live_created.leased[0], At(3));
  ASSERT_OK_AND_ASSIGN(pending, store().ListUncomparedShadowRuns("wf", 10));
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].run_id, "r2");
  EXPECT_EQ(pending[0].parent_run_id, "r1");

  ShadowComparison comparison;
  comparison.shadow_run_id = "r2";
  comparison.live_run_id = "r1";
  comparison.workflow = "wf";
  comparison.shadow_version = "v2";
  comparison.live_version = "v1";
  comparison.compared_at = At(4);
  comparison.agree = false;
  comparison.live_routing = "person";
  comparison.shadow_routing = "straight_through";
  comparison.fields_json = R"([{"field":"total","equal":true}])";
  ASSERT_OK(store().PutShadowComparison(comparison));
  ASSERT_OK_AND_ASSIGN(pending, store().ListUncomparedShadowRuns("wf", 10));
  EXPECT_THAT(pending, IsEmpty());

  ShadowComparisonFilter filter;
  filter.workflow = "wf";
  filter.shadow_version = "v2";
  ASSERT_OK_AND_ASSIGN(std::vector<ShadowComparison> stored, store().ListShadowComparisons(filter));
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].live_run_id, "r1");
  EXPECT_EQ(stored[0].compared_at, At(4));
  EXPECT_FALSE(stored[0].agree);
  EXPECT_EQ(stored[0].live_routing, "person");
  EXPECT_EQ(stored[0].shadow_routing, "straight_through");
  EXPECT_EQ(stored[0].fields_json, comparison.fields_json);

  comparison.agree = true;  // compared again: replaced
  ASSERT_OK(store().PutShadowComparison(comparison));
  filter.disagreeing_only = true;
  ASSERT_OK_AND_ASSIGN(stored, store().ListShadowComparisons(filter));
  EXPECT_THAT(stored, IsEmpty());
  filter.disagreeing_only = false;
  filter.shadow_version = "v9";
  ASSERT_OK_AND_ASSIGN(stored, store().ListShadowComparisons(filter));
  EXPECT_THAT(stored, IsEmpty());
  EXPECT_EQ(CodeOf(store().ListShadowComparisons({})), absl::StatusCode::kInvalidArgument);
}

}  // namespace flowline::store::testing
