// The conformance suite: claiming, fencing, committing and scheduling dependents.
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

// ---- Claiming ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, ClaimStepsLeasesDueStepsWithRunLabels) {
  Create(MakeRun("r1", ChainSteps(), At(0)));
  std::vector<ClaimedStep> claimed = Claim("worker-1", At(1), 10, absl::Seconds(30));
  ASSERT_EQ(claimed.size(), 1u);  // only a is ready; b and c wait for their dependencies
  const ClaimedStep& a = claimed[0];
  EXPECT_EQ(a.run_id, "r1");
  EXPECT_EQ(a.step_id, "a");
  EXPECT_EQ(a.workflow, "wf");
  EXPECT_EQ(a.version, "v1");
  EXPECT_EQ(a.attempt, 1);
  EXPECT_FALSE(a.lease_token.empty());
  EXPECT_EQ(a.lease_expires_at, At(31));
  EXPECT_EQ(a.resume_json, "");
  EXPECT_EQ(a.idempotency_key, "r1/a");

  StepState state = GetStep("r1", "a");
  EXPECT_EQ(state.status, StepStatus::kRunning);
  EXPECT_EQ(state.lease_owner, "worker-1");
  EXPECT_EQ(state.lease_token, a.lease_token);
  EXPECT_EQ(state.lease_expires_at, At(31));
  EXPECT_EQ(state.started_at, At(1));
  EXPECT_EQ(state.attempt, 1);
  // A leased step is not claimed again while its lease lasts.
  EXPECT_THAT(Claim("worker-2", At(2)), IsEmpty());
}

TEST_P(StoreConformanceTest, ClaimStepsTakesOnlyStepsWhoseTimeHasCome) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  Create(MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(100)));
  EXPECT_THAT(StepIds(Claim("w", At(50))), ElementsAre("r1/a"));
  EXPECT_THAT(Claim("w", At(99)), IsEmpty());
  EXPECT_THAT(StepIds(Claim("w", At(100))), ElementsAre("r2/a"));
}

TEST_P(StoreConformanceTest, ClaimStepsOrdersByAvailabilityAndHonoursMax) {
  // Created out of order: availability, not creation, decides.
  Create(MakeRun("late", {{"a", 0}, {kEndStepId, 1}}, At(30)));
  Create(MakeRun("early", {{"a", 0}, {kEndStepId, 1}}, At(10)));
  Create(MakeRun("middle", {{"a", 0}, {kEndStepId, 1}}, At(20)));
  EXPECT_THAT(StepIds(Claim("w", At(40), 2)), ElementsAre("early/a", "middle/a"));
  EXPECT_THAT(StepIds(Claim("w", At(40), 2)), ElementsAre("late/a"));
  EXPECT_THAT(Claim("w", At(40), 2), IsEmpty());
  Create(MakeRun("more", {{"a", 0}, {kEndStepId, 1}}, At(40)));
  EXPECT_THAT(Claim("w", At(40), 0), IsEmpty());
}

TEST_P(StoreConformanceTest, EachClaimCountsAnAttemptAndIssuesANewToken) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep first = ClaimStep("r1", "a", At(1));
  EXPECT_EQ(first.attempt, 1);
  StepCommit retry = MakeCommit(first, StepResolution::kRetry, At(2));
  retry.retry_at = At(5);
  ASSERT_OK(store().CommitStep(retry).status());
  ClaimedStep second = ClaimStep("r1", "a", At(5));
  EXPECT_EQ(second.attempt, 2);
  EXPECT_NE(second.lease_token, first.lease_token);
  EXPECT_EQ(second.idempotency_key, first.idempotency_key);
  EXPECT_EQ(GetStep("r1", "a").started_at, At(1));  // the first start is kept
}

TEST_P(StoreConformanceTest, ExpiredLeaseIsClaimedAgain) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  std::vector<ClaimedStep> first = Claim("worker-1", At(1), 1, absl::Seconds(10));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_THAT(Claim("worker-2", At(10), 1), IsEmpty());  // expires at 11: still held
  std::vector<ClaimedStep> second = Claim("worker-2", At(12), 1, absl::Seconds(10));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].step_id, "a");
  EXPECT_EQ(second[0].attempt, 2);
  EXPECT_NE(second[0].lease_token, first[0].lease_token);
  EXPECT_EQ(GetStep("r1", "a").lease_owner, "worker-2");
}

// ---- Fencing ----------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, LateCommitFromAWorkerThatLostItsLeaseIsRejected) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 1}, {kEndStepId, 1}}, At(0)));
  std::vector<ClaimedStep> lost = Claim("worker-1", At(1), 1, absl::Seconds(10));
  ASSERT_EQ(lost.size(), 1u);
  std::vector<ClaimedStep> taken = Claim("worker-2", At(20), 1, absl::Seconds(10));
  ASSERT_EQ(taken.size(), 1u);

  StepCommit late = MakeCommit(lost[0], StepResolution::kCompleted, At(21));
  late.output_json = R"({"from":"worker-1"})";
  late.dependents = {"b"};
  absl::StatusOr<CommitResult> rejected = store().CommitStep(late);
  EXPECT_EQ(CodeOf(rejected), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(rejected), HasSubstr("lease"));
  // Nothing of the late commit was stored.
  StepState a = GetStep("r1", "a");
  EXPECT_EQ(a.status, StepStatus::kRunning);
  EXPECT_EQ(a.output_json, "");
  EXPECT_EQ(GetStep("r1", "b").deps_remaining, 1);
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created"));

  StepCommit current = MakeCommit(taken[0], StepResolution::kCompleted, At(22));
  current.output_json = R"({"from":"worker-2"})";
  current.dependents = {"b"};
  ASSERT_OK(store().CommitStep(current).status());
  a = GetStep("r1", "a");
  EXPECT_EQ(a.status, StepStatus::kCompleted);
  EXPECT_EQ(a.output_json, R"({"from":"worker-2"})");
  EXPECT_EQ(GetStep("r1", "b").status, StepStatus::kReady);
}

TEST_P(StoreConformanceTest, CommitWithAWrongTokenOrTwiceIsRejected) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit forged = MakeCommit(a, StepResolution::kCompleted, At(2));
  forged.lease_token = "forged";
  EXPECT_EQ(CodeOf(store().CommitStep(forged)), absl::StatusCode::kFailedPrecondition);

  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(2));
  commit.dependents = {kEndStepId};
  ASSERT_OK(store().CommitStep(commit).status());
  absl::StatusOr<CommitResult> again = store().CommitStep(commit);
  EXPECT_EQ(CodeOf(again), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(again), HasSubstr("lease"));
  EXPECT_EQ(GetStep("r1", kEndStepId).deps_remaining, 0);  // not decremented twice
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "step.completed"));
}

TEST_P(StoreConformanceTest, CommitOfAStepThatWasNeverClaimedIsRejected) {
  Create(MakeRun("r1", ChainSteps(), At(0)));
  ClaimedStep fake;
  fake.run_id = "r1";
  fake.step_id = "b";  // pending
  fake.lease_token = "";
  EXPECT_EQ(CodeOf(store().CommitStep(MakeCommit(fake, StepResolution::kCompleted, At(1)))),
            absl::StatusCode::kFailedPrecondition);
}

TEST_P(StoreConformanceTest, RenewLeasesExtendsHeldLeasesAndReportsLostOnes) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  std::vector<ClaimedStep> held = Claim("worker-1", At(1), 10, absl::Seconds(10));
  ASSERT_EQ(held.size(), 2u);
  // worker-2 takes over b after its lease ran out.
  ASSERT_OK(store().ExpireAllLeases().status());
  std::vector<ClaimedStep> taken = Claim("worker-2", At(2), 1, absl::Seconds(10));
  ASSERT_EQ(taken.size(), 1u);
  const std::string lost_step = taken[0].step_id;
  const std::string kept_step = lost_step == "a" ? "b" : "a";

  ASSERT_OK_AND_ASSIGN(std::vector<std::string> lost,
                       store().RenewLeases("worker-1", held, At(100)));
  EXPECT_THAT(lost, ElementsAre(absl::StrCat("r1/", lost_step)));
  EXPECT_EQ(GetStep("r1", kept_step).lease_expires_at, At(100));
  EXPECT_EQ(GetStep("r1", lost_step).lease_expires_at, At(12));
  EXPECT_EQ(GetStep("r1", lost_step).lease_owner, "worker-2");
}

TEST_P(StoreConformanceTest, ExpireAllLeasesMakesEveryRunningStepClaimable) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  Create(MakeRun("r2", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ASSERT_EQ(Claim("crashed", At(1), 10, absl::Hours(1)).size(), 3u);
  EXPECT_THAT(Claim("survivor", At(2)), IsEmpty());
  ASSERT_OK_AND_ASSIGN(int expired, store().ExpireAllLeases());
  EXPECT_EQ(expired, 3);
  std::vector<ClaimedStep> retaken = Claim("survivor", At(2));
  EXPECT_THAT(StepIds(retaken), UnorderedElementsAre("r1/a", "r1/b", "r2/a"));
  for (const ClaimedStep& claim : retaken) EXPECT_EQ(claim.attempt, 2);
  ASSERT_OK_AND_ASSIGN(expired, store().ExpireAllLeases());
  EXPECT_EQ(expired, 3);
}

// ---- Dependents -------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, CompletingAStepReadiesItsDependents) {
  Create(MakeRun("r1", ChainSteps(), At(0)));
  ClaimedStep a = ClaimStep("r1", "a", At(1));
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(3));
  commit.params_json = R"({"x":1})";
  commit.output_json = R"({"ok":true})";
  commit.confidence = 0.97;
  commit.duration_us = 1500;
  commit.dependents = {"b"};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(commit));
  EXPECT_THAT(result.leased, IsEmpty());
  EXPECT_FALSE(result.run_finished);

  StepState done = GetStep("r1", "a");
  EXPECT_EQ(done.status, StepStatus::kCompleted);
  EXPECT_EQ(done.params_json, R"({"x":1})");
  EXPECT_EQ(done.output_json, R"({"ok":true})");
  EXPECT_EQ(done.confidence, 0.97);
  EXPECT_EQ(done.finished_at, At(3));
  EXPECT_EQ(done.duration_us, 1500);
  EXPECT_EQ(done.lease_token, "");

  StepState b = GetStep("r1", "b");
  EXPECT_EQ(b.status, StepStatus::kReady);
  EXPECT_EQ(b.deps_remaining, 0);
  EXPECT_EQ(b.available_at, At(3));
  EXPECT_EQ(GetStep("r1", "c").status, StepStatus::kPending);
  EXPECT_THAT(StepIds(Claim("w", At(3))), ElementsAre("r1/b"));
}

TEST_P(StoreConformanceTest, FanInStepIsReadyOnlyAfterAllItsDependencies) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {"join", 2}, {kEndStepId, 1}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1));
  ASSERT_EQ(claimed.size(), 2u);
  StepCommit first = MakeCommit(claimed[0], StepResolution::kCompleted, At(2));
  first.dependents = {"join"};
  first.lease_next = LeaseRequest{"w", absl::Seconds(60)};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(first));
  EXPECT_THAT(result.leased, IsEmpty());  // join still waits for the other branch
  StepState join = GetStep("r1", "join");
  EXPECT_EQ(join.status, StepStatus::kPending);
  EXPECT_EQ(join.deps_remaining, 1);
  EXPECT_THAT(Claim("w", At(2)), IsEmpty());

  StepCommit second = MakeCommit(claimed[1], StepResolution::kCompleted, At(3));
  second.dependents = {"join"};
  ASSERT_OK(store().CommitStep(second).status());
  join = GetStep("r1", "join");
  EXPECT_EQ(join.status, StepStatus::kReady);
  EXPECT_EQ(join.deps_remaining, 0);
  EXPECT_THAT(StepIds(Claim("w", At(3))), ElementsAre("r1/join"));
}

TEST_P(StoreConformanceTest, SkippedStepReleasesItsDependentsLikeACompletedOne) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 0}, {"join", 2}, {kEndStepId, 1}}, At(0)));
  std::vector<ClaimedStep> claimed = Claim("w", At(1));
  ASSERT_EQ(claimed.size(), 2u);
  StepCommit skip = MakeCommit(claimed[0], StepResolution::kSkipped, At(2));
  skip.dependents = {"join"};
  ASSERT_OK(store().CommitStep(skip).status());
  EXPECT_EQ(GetStep("r1", claimed[0].step_id).status, StepStatus::kSkipped);
  EXPECT_EQ(GetStep("r1", claimed[0].step_id).finished_at, At(2));
  EXPECT_EQ(GetStep("r1", "join").deps_remaining, 1);
  StepCommit done = MakeCommit(claimed[1], StepResolution::kCompleted, At(3));
  done.dependents = {"join"};
  ASSERT_OK(store().CommitStep(done).status());
  EXPECT_EQ(GetStep("r1", "join").status, StepStatus::kReady);
}

TEST_P(StoreConformanceTest, LeaseNextHandsReadyDependentsToTheCommitter) {
  Create(MakeRun("r1", {{"a", 0}, {"b", 1}, {"c", 1}, {kEndStepId, 2}}, At(0)));
  ClaimedStep a = ClaimStep("r1", "a", At(1), "worker-1");
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(2));
  commit.dependents = {"b", "c"};
  commit.lease_next = LeaseRequest{"worker-1", absl::Seconds(20)};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(commit));
  ASSERT_EQ(result.leased.size(), 2u);
  EXPECT_THAT(StepIds(result.leased), UnorderedElementsAre("r1/b", "r1/c"));
  for (const ClaimedStep& next : result.leased) {
    EXPECT_EQ(next.workflow, "wf");
    EXPECT_EQ(next.version, "v1");
    EXPECT_EQ(next.attempt, 1);
    EXPECT_EQ(next.lease_expires_at, At(22));
    EXPECT_EQ(next.idempotency_key, absl::StrCat("r1/", next.step_id));
    StepState state = GetStep("r1", next.step_id);
    EXPECT_EQ(state.status, StepStatus::kRunning);
    EXPECT_EQ(state.lease_owner, "worker-1");
    EXPECT_EQ(state.lease_token, next.lease_token);
    EXPECT_EQ(state.started_at, At(2));
  }
  EXPECT_NE(result.leased[0].lease_token, result.leased[1].lease_token);
  EXPECT_THAT(Claim("worker-2", At(3)), IsEmpty());

  // The continuation lease is a real lease.
  StepCommit b = MakeCommit(result.leased[0], StepResolution::kCompleted, At(4));
  b.dependents = {kEndStepId};
  ASSERT_OK(store().CommitStep(b).status());
}

// ---- Retries and waiting ----------------------------------------------------------------------

TEST_P(StoreConformanceTest, RetryMakesTheStepAvailableAtRetryAt) {
  Create(MakeRun("r1", {{"a", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep first = ClaimStep("r1", "a", At(1));
  StepCommit retry = MakeCommit(first, StepResolution::kRetry, At(2));
  retry.error = "upstream 503";
  retry.retry_at = At(30);
  retry.duration_us = 100;
  ASSERT_OK(store().CommitStep(retry).status());
  StepState state = GetStep("r1", "a");
  EXPECT_EQ(state.status, StepStatus::kReady);
  EXPECT_EQ(state.available_at, At(30));
  EXPECT_EQ(state.error, "upstream 503");
  EXPECT_EQ(state.lease_token, "");
  EXPECT_FALSE(state.finished_at.has_value());

  EXPECT_THAT(Claim("w", At(29)), IsEmpty());
  ClaimedStep second = ClaimStep("r1", "a", At(30));
  EXPECT_EQ(second.attempt, 2);
  StepCommit done = MakeCommit(second, StepResolution::kCompleted, At(31));
  done.output_json = "{}";
  done.duration_us = 200;
  done.dependents = {kEndStepId};
  ASSERT_OK(store().CommitStep(done).status());
  state = GetStep("r1", "a");
  EXPECT_EQ(state.status, StepStatus::kCompleted);
  EXPECT_EQ(state.attempt, 2);
  EXPECT_EQ(state.duration_us, 300);       // summed over attempts
  EXPECT_EQ(state.error, "upstream 503");  // kept for the timeline
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "step.retry", "step.completed"));
}

TEST_P(StoreConformanceTest, WaitTimerResumesTheStepWithItsResumeJson) {
  Create(MakeRun("r1", {{"wait", 0}, {kEndStepId, 1}}, At(0)));
  ClaimedStep first = ClaimStep("r1", "wait", At(1));
  StepCommit wait = MakeCommit(first, StepResolution::kWaitTimer, At(2));
  wait.retry_at = At(3600);
  wait.resume_json = R"({"timer":"fired"})";
  ASSERT_OK(store().CommitStep(wait).status());
  StepState state = GetStep("r1", "wait");
  EXPECT_EQ(state.status, StepStatus::kWaiting);
  EXPECT_EQ(state.available_at, At(3600));
  EXPECT_EQ(state.resume_json, R"({"timer":"fired"})");
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> due, store().NextDueTime());
  EXPECT_EQ(due, At(3600));

  EXPECT_THAT(Claim("w", At(3599)), IsEmpty());
  std::vector<ClaimedStep> resumed = Claim("w", At(3600));
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].step_id, "wait");
  EXPECT_EQ(resumed[0].attempt, 2);
  EXPECT_EQ(resumed[0].resume_json, R"({"timer":"fired"})");
}

}  // namespace
}  // namespace flowline::store::testing
