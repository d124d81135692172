// The conformance suite: human tasks, from the step that opens one to its resolution.
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

// A commit that parks the claimed step on a new task `task_id`, opened at `at`.
StepCommit OpenTaskCommit(const ClaimedStep& claim, const std::string& task_id,
                          const std::string& queue, int priority, absl::Time at) {
  StepCommit commit;
  commit.run_id = claim.run_id;
  commit.step_id = claim.step_id;
  commit.lease_token = claim.lease_token;
  commit.now = at;
  commit.resolution = StepResolution::kWaitTask;
  commit.params_json = R"({"queue":"q"})";
  commit.task = MakeTask(task_id, queue, absl::StrCat("Review ", claim.run_id), priority,
                         at + absl::Hours(4), R"({"amount":1200})");
  commit.records.push_back(NewRecord{claim.step_id, "task.opened", "system", "{}"});
  return commit;
}

// Run `run_id` waiting on task `task_id` in `queue`, due 4 hours after `at`.
bool OpenTask(Store& store, const std::string& run_id, const std::string& task_id,
              const std::string& queue, int priority, absl::Time at) {
  return OpenTaskWith(store, run_id,
                      MakeTask(task_id, queue, absl::StrCat("Review ", run_id), priority,
                               at + absl::Hours(4), R"({"amount":1200})"),
                      at);
}

std::vector<std::string> TaskIds(const std::vector<Task>& tasks) {
  std::vector<std::string> ids;
  for (const Task& task : tasks) ids.push_back(task.task_id);
  return ids;
}

TEST_P(StoreConformanceTest, WaitTaskOpensATaskAndParksTheStep) {
  ASSERT_TRUE(OpenTask(store(), "r1", "task-1", "accounts-payable", 5, At(10)));
  StepState step = GetStep("r1", "review");
  EXPECT_EQ(step.status, StepStatus::kWaiting);
  EXPECT_EQ(step.task_id, "task-1");
  EXPECT_FALSE(step.available_at.has_value());
  EXPECT_EQ(step.lease_token, "");
  EXPECT_THAT(Claim("w", At(100000)), IsEmpty());  // only a resolution wakes it

  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("task-1"));
  EXPECT_EQ(task.task_id, "task-1");
  EXPECT_EQ(task.run_id, "r1");
  EXPECT_EQ(task.step_id, "review");
  EXPECT_EQ(task.workflow, "wf");  // from the run
  EXPECT_EQ(task.queue, "accounts-payable");
  EXPECT_EQ(task.title, "Review r1");
  EXPECT_EQ(task.priority, 5);
  EXPECT_EQ(task.status, TaskStatus::kOpen);
  EXPECT_EQ(task.payload_json, R"({"amount":1200})");
  EXPECT_EQ(task.created_at, At(10));
  EXPECT_EQ(task.due_at, At(10) + absl::Hours(4));
  EXPECT_EQ(task.claimed_by, "");
  EXPECT_FALSE(task.resolved_at.has_value());
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened"));
}

TEST_P(StoreConformanceTest, ListTasksOrdersByPriorityThenAge) {
  ASSERT_TRUE(OpenTask(store(), "r1", "low-old", "ap", 0, At(1)));
  ASSERT_TRUE(OpenTask(store(), "r2", "high-new", "ap", 9, At(5)));
  ASSERT_TRUE(OpenTask(store(), "r3", "low-new", "ap", 0, At(3)));
  ASSERT_TRUE(OpenTask(store(), "r4", "high-old", "ap", 9, At(2)));
  ASSERT_OK_AND_ASSIGN(std::vector<Task> tasks, store().ListTasks(TaskFilter{}));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("high-old", "high-new", "low-old", "low-new"));
  TaskFilter first_two;
  first_two.limit = 2;
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(first_two));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("high-old", "high-new"));
}

TEST_P(StoreConformanceTest, ListTasksFiltersByQueueStatusAndRun) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(1)));
  ASSERT_TRUE(OpenTask(store(), "r2", "t2", "claims", 0, At(2)));
  ASSERT_TRUE(OpenTask(store(), "r3", "t3", "ap", 0, At(3)));
  ASSERT_OK(store().ClaimTask("t3", "ann", At(4), absl::Minutes(30)).status());
  ASSERT_OK(store().ResolveTask(Decide("t1", "bob", "approve", "{}", At(5))).status());

  TaskFilter ap;
  ap.queue = "ap";
  ASSERT_OK_AND_ASSIGN(std::vector<Task> tasks, store().ListTasks(ap));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t3"));  // default: open and claimed only

  TaskFilter all_open;
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(all_open));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t2", "t3"));

  TaskFilter claimed;
  claimed.status = TaskStatus::kClaimed;
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(claimed));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t3"));

  TaskFilter resolved;
  resolved.status = TaskStatus::kResolved;
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(resolved));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t1"));

  TaskFilter open_only;
  open_only.status = TaskStatus::kOpen;
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(open_only));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t2"));

  TaskFilter by_run;
  by_run.run_id = "r2";
  ASSERT_OK_AND_ASSIGN(tasks, store().ListTasks(by_run));
  EXPECT_THAT(TaskIds(tasks), ElementsAre("t2"));
}

TEST_P(StoreConformanceTest, ClaimedTaskIsRefusedToOthersUntilTheClaimExpires) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(0)));
  ASSERT_OK_AND_ASSIGN(Task task, store().ClaimTask("t1", "ann", At(10), absl::Minutes(5)));
  EXPECT_EQ(task.status, TaskStatus::kClaimed);
  EXPECT_EQ(task.claimed_by, "ann");
  EXPECT_EQ(task.claim_expires_at, At(10) + absl::Minutes(5));

  absl::StatusOr<Task> refused = store().ClaimTask("t1", "bob", At(20), absl::Minutes(5));
  EXPECT_EQ(CodeOf(refused), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(refused), HasSubstr("ann"));

  // The holder may extend the claim.
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "ann", At(100), absl::Minutes(5)));
  EXPECT_EQ(task.claim_expires_at, At(100) + absl::Minutes(5));

  // Once the claim has run out, anyone may take the task.
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "bob", At(401), absl::Minutes(5)));
  EXPECT_EQ(task.claimed_by, "bob");
  ASSERT_OK_AND_ASSIGN(task, store().GetTask("t1"));
  EXPECT_EQ(task.claimed_by, "bob");
}

TEST_P(StoreConformanceTest, OnlyTheHolderCanReleaseAClaim) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(0)));
  EXPECT_EQ(CodeOf(store().ReleaseTask("t1", "ann")), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(store().ClaimTask("t1", "ann", At(1), absl::Minutes(5)).status());
  EXPECT_EQ(CodeOf(store().ReleaseTask("t1", "bob")), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK(store().ReleaseTask("t1", "ann"));
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.status, TaskStatus::kOpen);
  EXPECT_EQ(task.claimed_by, "");
  // Released: someone else may claim it at once.
  ASSERT_OK_AND_ASSIGN(task, store().ClaimTask("t1", "bob", At(2), absl::Minutes(5)));
  EXPECT_EQ(task.claimed_by, "bob");
}

TEST_P(StoreConformanceTest, ResolvingATaskResumesItsStepWithTheResolution) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(0)));
  ASSERT_OK(store().ClaimTask("t1", "ann", At(1), absl::Minutes(5)).status());
  TaskResolution resolution =
      Decide("t1", "ann", "approve", R"({"decision":"approve","note":"ok"})", At(2));
  resolution.records.push_back(NewRecord{"review", "task.resolved", "human:ann", "{}"});
  ASSERT_OK_AND_ASSIGN(Task task, store().ResolveTask(resolution));
  EXPECT_EQ(task.status, TaskStatus::kResolved);
  EXPECT_EQ(task.resolved_by, "ann");
  EXPECT_EQ(task.resolved_at, At(2));
  EXPECT_EQ(task.decision, "approve");
  EXPECT_EQ(task.resolution_json, R"({"decision":"approve","note":"ok"})");
  ASSERT_OK_AND_ASSIGN(Task stored, store().GetTask("t1"));
  EXPECT_EQ(stored.status, TaskStatus::kResolved);
  EXPECT_EQ(stored.decision, "approve");

  StepState step = GetStep("r1", "review");
  EXPECT_EQ(step.status, StepStatus::kReady);
  EXPECT_EQ(step.available_at, At(2));
  EXPECT_EQ(step.resume_json, R"({"decision":"approve","note":"ok"})");
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened", "task.resolved"));

  std::vector<ClaimedStep> resumed = Claim("worker-2", At(2));
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].step_id, "review");
  EXPECT_EQ(resumed[0].attempt, 2);
  EXPECT_EQ(resumed[0].resume_json, R"({"decision":"approve","note":"ok"})");
  ASSERT_OK_AND_ASSIGN(std::vector<Task> open, store().ListTasks(TaskFilter{}));
  EXPECT_THAT(open, IsEmpty());
}

TEST_P(StoreConformanceTest, ResolvingTwiceOrOverAnotherClaimIsRefused) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(0)));
  ASSERT_OK(store().ClaimTask("t1", "ann", At(1), absl::Minutes(5)).status());
  TaskResolution by_bob = Decide("t1", "bob", "reject", R"({"by":"bob"})", At(2));
  by_bob.records.push_back(NewRecord{"review", "task.resolved", "human:bob", "{}"});
  absl::StatusOr<Task> refused = store().ResolveTask(by_bob);
  EXPECT_EQ(CodeOf(refused), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(refused), HasSubstr("claimed by ann"));
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kWaiting);
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened"));

  // After ann's claim runs out, bob may resolve it.
  by_bob.now = At(1) + absl::Minutes(6);
  ASSERT_OK(store().ResolveTask(by_bob).status());
  EXPECT_EQ(GetStep("r1", "review").resume_json, R"({"by":"bob"})");

  TaskResolution again = Decide("t1", "bob", "approve", "{}", At(1000));
  again.records.push_back(NewRecord{"review", "task.resolved", "human:bob", "{}"});
  EXPECT_EQ(CodeOf(store().ResolveTask(again)), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(store().ClaimTask("t1", "bob", At(1000), absl::Minutes(5))),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.decision, "reject");
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened", "task.resolved"));
}

TEST_P(StoreConformanceTest, OpenTaskCanBeResolvedWithoutAClaim) {
  ASSERT_TRUE(OpenTask(store(), "r1", "t1", "ap", 0, At(0)));
  ASSERT_OK(store().ResolveTask(Decide("t1", "ann", "approve", "{}", At(1))).status());
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kReady);
}

TEST_P(StoreConformanceTest, TaskOfAnEndedRunCannotBeClaimedOrResolved) {
  NewRun run = MakeRun("r1", {{"review", 0}, {"check", 0}, {kEndStepId, 2}}, At(0));
  run.lease = LeaseRequest{"w", absl::Seconds(60)};
  CreateRunResult created = Create(run);
  ASSERT_EQ(created.leased.size(), 2u);
  const ClaimedStep& review =
      created.leased[0].step_id == "review" ? created.leased[0] : created.leased[1];
  const ClaimedStep& check =
      created.leased[0].step_id == "review" ? created.leased[1] : created.leased[0];
  ASSERT_OK(store().CommitStep(OpenTaskCommit(review, "t1", "ap", 0, At(1))).status());
  StepCommit fail;
  fail.run_id = "r1";
  fail.step_id = check.step_id;
  fail.lease_token = check.lease_token;
  fail.now = At(2);
  fail.resolution = StepResolution::kFailed;
  fail.finish = RunFinish{RunStatus::kRejected, "", "rejected by rule"};
  ASSERT_OK(store().CommitStep(fail).status());

  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.status, TaskStatus::kCancelled);
  EXPECT_EQ(CodeOf(store().ClaimTask("t1", "ann", At(3), absl::Minutes(5))),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(store().ResolveTask(Decide("t1", "ann", "approve", "{}", At(3)))),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kCancelled);
  ASSERT_OK_AND_ASSIGN(store::Run ended, store().GetRun("r1"));
  EXPECT_EQ(ended.status, RunStatus::kRejected);
}

}  // namespace
}  // namespace flowline::store::testing
