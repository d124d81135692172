// The conformance suite: finishing runs, decision records and due times.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// ---- Finishing runs ---------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CompletingTheRunRequiresEndToReachZero) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1));
  ASSERT_EQ(claimed.size(), 2u);
  StepCommit early = MakeCommit(claimed[0], StepResolution::kCompleted, At(2));
  early.dependents = {kEndStepId};
  early.finish = RunFinish{RunStatus::kCompleted, R"({"out":1})", ""};
  absl::StatusOr<CommitResult> refused = store().CommitStep(early);
  EXPECT_EQ(CodeOf(refused), absl::StatusCode::kInternal);
  // Nothing was written: the step still holds its lease and can commit properly.
  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kRunning);
  EXPECT_EQ(GetStep("r1", claimed[0].step_id).status, StepStatus::kRunning);
  EXPECT_EQ(GetStep("r1", kEndStepId).deps_remaining, 2);
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created"));

  early.finish.reset();
  ASSERT_OK(store().CommitStep(early).status());
  StepCommit last = MakeCommit(claimed[1], StepResolution::kCompleted, At(3));
  last.dependents = {kEndStepId};
  last.finish = RunFinish{RunStatus::kCompleted, R"({"out":1})", ""};
  last.lease_next = LeaseRequest{"w", absl::Seconds(60)};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(last));
  EXPECT_TRUE(result.run_finished);
  EXPECT_THAT(result.leased, IsEmpty());  // a finished run schedules nothing
  ASSERT_OK_AND_ASSIGN(run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(run.output_json, R"({"out":1})");
  EXPECT_EQ(run.finished_at, At(3));
  StepState end = GetStep("r1", kEndStepId);
  EXPECT_EQ(end.deps_remaining, 0);
  EXPECT_EQ(end.status, StepStatus::kCompleted);
  EXPECT_THAT(Claim("w", At(4)), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> due, store().NextDueTime());
  EXPECT_FALSE(due.has_value());
}

TEST_P(StoreConformanceTest, EndStepCanCompleteTheRunItself) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(2));
  commit.dependents = {kEndStepId};
  commit.lease_next = LeaseRequest{"w", absl::Seconds(60)};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(commit));
  ASSERT_EQ(result.leased.size(), 1u);
  EXPECT_EQ(result.leased[0].step_id, kEndStepId);

  StepCommit end = MakeCommit(result.leased[0], StepResolution::kCompleted, At(3));
  end.output_json = R"({"total":3})";
  end.finish = RunFinish{RunStatus::kCompleted, R"({"total":3})", ""};
  ASSERT_OK_AND_ASSIGN(result, store().CommitStep(end));
  EXPECT_TRUE(result.run_finished);
  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kCompleted);
  EXPECT_EQ(run.output_json, R"({"total":3})");
  EXPECT_EQ(GetStep("r1", kEndStepId).status, StepStatus::kCompleted);
}

TEST_P(StoreConformanceTest, FailingTheRunCancelsItsOtherStepsAndTasks) {
  Create(MakeRun("r1",
                 {{"a", 0}, {"review", 0}, {"slow", 0}, {"b", 1}, {"later", 0}, {kEndStepId, 3}},
                 At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1), 3);
  ASSERT_EQ(claimed.size(), 3u);
  ClaimedStep a, review, slow;
  for (const ClaimedStep& claim : claimed) {
    if (claim.step_id == "a") a = claim;
    if (claim.step_id == "review") review = claim;
    if (claim.step_id == "slow") slow = claim;
  }
  ASSERT_FALSE(review.lease_token.empty());
  ASSERT_FALSE(a.lease_token.empty());
  ASSERT_FALSE(slow.lease_token.empty());
  StepCommit wait = MakeCommit(review, StepResolution::kWaitTask, At(2));
  wait.task = MakeTask("task-1", "ap", "Approve", 0, std::nullopt, "{}");
  ASSERT_OK(store().CommitStep(wait).status());

  StepCommit fail = MakeCommit(a, StepResolution::kFailed, At(3));
  fail.error = "bad input";
  fail.finish = RunFinish{RunStatus::kFailed, "", "step a: bad input"};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(fail));
  EXPECT_TRUE(result.run_finished);

  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kFailed);
  EXPECT_EQ(run.error, "step a: bad input");
  EXPECT_EQ(run.finished_at, At(3));
  EXPECT_EQ(GetStep("r1", "a").status, StepStatus::kFailed);
  EXPECT_EQ(GetStep("r1", "a").error, "bad input");
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kCancelled);  // was waiting
  EXPECT_EQ(GetStep("r1", "b").status, StepStatus::kCancelled);       // was pending
  EXPECT_EQ(GetStep("r1", "later").status, StepStatus::kCancelled);   // was ready
  EXPECT_EQ(GetStep("r1", kEndStepId).status, StepStatus::kCancelled);
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("task-1"));
  EXPECT_EQ(task.status, TaskStatus::kCancelled);
  // The step that is still running keeps its lease (its result will be recorded), but no
  // step of the ended run can be claimed.
  EXPECT_EQ(GetStep("r1", "slow").status, StepStatus::kRunning);
  EXPECT_THAT(Claim("w", At(4)), IsEmpty());
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "step.waiting_task", "step.failed"));
}

TEST_P(StoreConformanceTest, CommitOnAFinishedRunIsStoredButSchedulesNothing) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {"c", 1}, {kEndStepId, 2}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1));
  ASSERT_EQ(claimed.size(), 2u);
  const ClaimedStep& first = claimed[0];
  const ClaimedStep& second = claimed[1];
  StepCommit fail = MakeCommit(first, StepResolution::kFailed, At(2));
  fail.finish = RunFinish{RunStatus::kFailed, "", "boom"};
  ASSERT_OK(store().CommitStep(fail).status());

  StepCommit late = MakeCommit(second, StepResolution::kCompleted, At(3));
  late.output_json = R"({"late":true})";
  late.dependents = {"c"};
  late.lease_next = LeaseRequest{"w", absl::Seconds(60)};
  late.finish = RunFinish{RunStatus::kCompleted, "{}", ""};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(late));
  EXPECT_THAT(result.leased, IsEmpty());
  EXPECT_FALSE(result.run_finished);
  StepState stored = GetStep("r1", second.step_id);
  EXPECT_EQ(stored.status, StepStatus::kCompleted);
  EXPECT_EQ(stored.output_json, R"({"late":true})");
  EXPECT_EQ(GetStep("r1", "c").status, StepStatus::kCancelled);
  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kFailed);  // the first ending stands
  EXPECT_EQ(run.error, "boom");
  EXPECT_THAT(Claim("w", At(4)), IsEmpty());
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "step.failed", "step.completed"));
}

TEST_P(StoreConformanceTest, RetryOnAFinishedRunDoesNotRescheduleTheStep) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1));
  ASSERT_EQ(claimed.size(), 2u);
  StepCommit fail = MakeCommit(claimed[0], StepResolution::kFailed, At(2));
  fail.finish = RunFinish{RunStatus::kCancelled, "", "cancelled by operator"};
  ASSERT_OK(store().CommitStep(fail).status());
  StepCommit retry = MakeCommit(claimed[1], StepResolution::kRetry, At(3));
  retry.retry_at = At(4);
  retry.error = "timeout";
  ASSERT_OK(store().CommitStep(retry).status());
  EXPECT_TRUE(IsTerminal(GetStep("r1", claimed[1].step_id).status));
  EXPECT_THAT(Claim("w", At(100)), IsEmpty());
  ASSERT_OK_AND_ASSIGN(store::Run run, store().GetRun("r1"));
  EXPECT_EQ(run.status, RunStatus::kCancelled);
}

TEST_P(StoreConformanceTest, ExpiredLeaseOfAFinishedRunIsNotClaimedAgain) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  Create(MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1), 2, absl::Seconds(10));
  ASSERT_EQ(claimed.size(), 2u);
  ASSERT_EQ(claimed[0].run_id, "r1");
  StepCommit fail = MakeCommit(claimed[0], StepResolution::kFailed, At(2));
  fail.finish = RunFinish{RunStatus::kFailed, "", "boom"};
  ASSERT_OK(store().CommitStep(fail).status());
  // r1's other step's lease runs out; only r2's step may be claimed.
  EXPECT_THAT(StepIds(Claim("w", At(60), 1)), ElementsAre("r2/a"));
  EXPECT_THAT(Claim("w", At(61)), IsEmpty());
  EXPECT_TRUE(IsTerminal(GetStep("r1", claimed[1].step_id).status));
}

// ---- Records and due times --------------------------------------------------------------------

TEST_P(StoreConformanceTest, RecordsKeepTheirAppendOrderAcrossRuns) {
  NewRun run = MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0));
  run.records.push_back(NewRecord{"", "run.routed", "system", R"({"rule":"small"})"});
  Create(run);
  Create(MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(2));
  commit.records.push_back(NewRecord{"a", "step.checked", "ai:classify", R"({"p":0.9})"});
  commit.dependents = {kEndStepId};
  ASSERT_OK(store().CommitStep(commit).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store().ListRecords("r1"));
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].kind, "run.created");
  EXPECT_EQ(records[1].kind, "run.routed");
  EXPECT_EQ(records[2].kind, "step.completed");
  EXPECT_EQ(records[3].kind, "step.checked");
  EXPECT_EQ(records[3].step_id, "a");
  EXPECT_EQ(records[3].actor, "ai:classify");
  EXPECT_EQ(records[3].payload_json, R"({"p":0.9})");
  EXPECT_EQ(records[3].at, At(2));
  EXPECT_EQ(records[1].at, At(0));
  for (size_t i = 1; i < records.size(); ++i) EXPECT_LT(records[i - 1].seq, records[i].seq);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> other, store().ListRecords("r2"));
  ASSERT_EQ(other.size(), 1u);
  // Store-wide order: r2's record was appended between r1's creation and its commit.
  EXPECT_GT(other[0].seq, records[1].seq);
  EXPECT_LT(other[0].seq, records[2].seq);
}

TEST_P(StoreConformanceTest, NextDueTimeIsTheEarliestAvailabilityOrLeaseExpiry) {
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> due, store().NextDueTime());
  EXPECT_FALSE(due.has_value());
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(50)));
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(50));
  Create(MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(40)));
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(40));
  // Claim both: now only the leases (until 100 and 100) are due.
  ASSERT_EQ(Claim("w", At(60), 10, absl::Seconds(40)).size(), 2u);
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(100));
  Create(MakeRun("r3", {{"a", 0}, {kEndStepId, 1}}, At(70)));
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(70));
  // Pending steps and steps waiting for a person are never due.
  Create(MakeRun("r4", {{"x", 1}, {kEndStepId, 1}}, At(1)));
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(70));
}

}  // namespace
}  // namespace flowline::store::testing
