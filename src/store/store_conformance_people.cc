// The conformance suite: people's work beyond a plain task — four-eyes, escalation and its
// webhook outbox, corrections as labels, the stop switch, users and sessions.
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

void OpenTask(Store& store, const std::string& run_id, NewTask task, absl::Time at) {
  ASSERT_TRUE(OpenTaskWith(store, run_id, std::move(task), at));
}

NewTask FourEyesTask(const std::string& task_id) {
  NewTask task = MakeTask(task_id, "ap", "Approve", 0, std::nullopt, "{}");
  task.four_eyes = true;
  return task;
}

void PutVersion(Store& store, const std::string& workflow) {
  VersionInfo version;
  version.workflow = workflow;
  version.version = "v1";
  version.spec_source = "workflow: " + workflow;
  version.source_name = "wf.yaml";
  version.deployed_at = absl::UnixEpoch();
  ASSERT_OK(store.PutVersion(version).status());
}

TEST_P(StoreConformanceTest, FourEyesKeepsTheFirstDecisionAndNeedsSomeoneElse) {
  OpenTask(store(), "r1", FourEyesTask("t1"), At(1));
  ASSERT_OK(store().ClaimTask("t1", "ann", At(2), absl::Minutes(5)).status());

  TaskResolution first = Decide("t1", "ann", "correct", R"({"data":{"total":"10.00"}})", At(3));
  first.first_of_two = true;
  first.expected_first_by = "";
  ASSERT_OK_AND_ASSIGN(Task task, store().ResolveTask(first));
  EXPECT_EQ(task.status, TaskStatus::kOpen);  // back in the queue, unclaimed
  EXPECT_EQ(task.claimed_by, "");
  EXPECT_EQ(task.first_by, "ann");
  EXPECT_EQ(task.first_decision_json, R"({"data":{"total":"10.00"}})");
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kWaiting);  // not resumed yet

  // The one who corrected can neither claim it again nor approve it.
  absl::StatusOr<Task> reclaimed = store().ClaimTask("t1", "ann", At(4), absl::Minutes(5));
  EXPECT_EQ(CodeOf(reclaimed), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(reclaimed), HasSubstr("different person"));
  TaskResolution own = Decide("t1", "ann", "approve", "{}", At(4));
  own.expected_first_by = "ann";
  absl::StatusOr<Task> refused = store().ResolveTask(own);
  EXPECT_EQ(CodeOf(refused), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(refused), HasSubstr("different person"));

  // A decision made on a stale read is refused rather than overwriting.
  TaskResolution stale = Decide("t1", "bob", "approve", "{}", At(4));
  stale.expected_first_by = "";
  EXPECT_EQ(CodeOf(store().ResolveTask(stale)), absl::StatusCode::kFailedPrecondition);

  TaskResolution second = Decide("t1", "bob", "approve", R"({"data":{"total":"10.00"}})", At(5));
  second.expected_first_by = "ann";
  ASSERT_OK_AND_ASSIGN(task, store().ResolveTask(second));
  EXPECT_EQ(task.status, TaskStatus::kResolved);
  EXPECT_EQ(task.resolved_by, "bob");
  EXPECT_EQ(task.first_by, "ann");
  EXPECT_EQ(GetStep("r1", "review").status, StepStatus::kReady);
}

TEST_P(StoreConformanceTest, AFirstDecisionOnATaskWithoutFourEyesIsRefused) {
  OpenTask(store(), "r1", MakeTask("t1", "ap", "Approve", 0, std::nullopt, "{}"), At(1));
  TaskResolution first = Decide("t1", "ann", "approve", "{}", At(2));
  first.first_of_two = true;
  EXPECT_EQ(CodeOf(store().ResolveTask(first)), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, ResolutionWritesCorrectionsInTheSameTransaction) {
  OpenTask(store(), "r1", MakeTask("t1", "ap", "Approve", 0, std::nullopt, "{}"), At(1));
  TaskResolution resolution = Decide("t1", "ann", "correct", "{}", At(2));
  resolution.correction_step_id = "fields";
  resolution.correction_document_json = R"({"sha256":"ab"})";
  resolution.corrections.push_back(NewCorrection{"total", "\"9.00\"", 0.4, "\"10.00\"", true});
  resolution.corrections.push_back(NewCorrection{"currency", "\"EUR\"", 0.99, "\"EUR\"", false});
  ASSERT_OK(store().ResolveTask(resolution).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Correction> all, store().ListCorrections(CorrectionFilter{}));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].run_id, "r1");
  EXPECT_EQ(all[0].step_id, "fields");
  EXPECT_EQ(all[0].task_id, "t1");
  EXPECT_EQ(all[0].workflow, "wf");
  EXPECT_EQ(all[0].version, "v1");
  EXPECT_EQ(all[0].document_json, R"({"sha256":"ab"})");
  EXPECT_EQ(all[0].value.field, "total");
  EXPECT_EQ(all[0].value.ai_value_json, "\"9.00\"");
  EXPECT_EQ(all[0].value.ai_confidence, 0.4);
  EXPECT_EQ(all[0].value.human_value_json, "\"10.00\"");
  EXPECT_TRUE(all[0].value.changed);
  EXPECT_EQ(all[0].by, "ann");
  EXPECT_EQ(all[0].at, At(2));
  EXPECT_LT(all[0].seq, all[1].seq);

  CorrectionFilter changed;
  changed.changed_only = true;
  ASSERT_OK_AND_ASSIGN(std::vector<Correction> only, store().ListCorrections(changed));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].value.field, "total");
  CorrectionFilter after;
  after.after_seq = all[0].seq;
  ASSERT_OK_AND_ASSIGN(only, store().ListCorrections(after));
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].value.field, "currency");
  CorrectionFilter other;
  other.workflow = "other";
  ASSERT_OK_AND_ASSIGN(only, store().ListCorrections(other));
  EXPECT_THAT(only, IsEmpty());
}

TEST_P(StoreConformanceTest, OverdueTasksEscalateOnceAndQueueTheirNotification) {
  NewTask task = MakeTask("t1", "ap", "Approve", 0, At(100), "{}");
  task.escalate_to = "ap-urgent";
  task.notify_url = "http://hooks.example/escalated";
  OpenTask(store(), "r1", task, At(1));
  NewTask plain = MakeTask("t2", "ap", "Approve", 0, At(100), "{}");  // no escalation
  OpenTask(store(), "r2", plain, At(1));
  ASSERT_OK(store().ClaimTask("t1", "ann", At(2), absl::Hours(1)).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Task> overdue, store().ListOverdueTasks(At(50), 10));
  EXPECT_THAT(overdue, IsEmpty());
  EXPECT_EQ(CodeOf(store().EscalateTask(TaskEscalation{"t1", At(50), "{}", {}})),
            absl::StatusCode::kFailedPrecondition);  // not due yet
  ASSERT_OK_AND_ASSIGN(overdue, store().ListOverdueTasks(At(101), 10));
  ASSERT_EQ(overdue.size(), 1u);
  EXPECT_EQ(overdue[0].task_id, "t1");

  TaskEscalation escalation{"t1", At(101), R"({"event":"task.escalated"})", {}};
  escalation.records.push_back(NewRecord{"review", "task.escalated", "system", "{}"});
  ASSERT_OK_AND_ASSIGN(Task moved, store().EscalateTask(escalation));
  EXPECT_EQ(moved.queue, "ap-urgent");
  EXPECT_EQ(moved.escalated_at, At(101));
  EXPECT_EQ(moved.status, TaskStatus::kOpen);  // the claim is dropped: someone else may take it
  EXPECT_EQ(moved.claimed_by, "");
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened", "task.escalated"));
  EXPECT_EQ(CodeOf(store().EscalateTask(escalation)), absl::StatusCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(overdue, store().ListOverdueTasks(At(200), 10));
  EXPECT_THAT(overdue, IsEmpty());

  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(101), 10));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].url, "http://hooks.example/escalated");
  EXPECT_EQ(due[0].payload_json, R"({"event":"task.escalated"})");
  EXPECT_EQ(due[0].attempts, 0);
  ASSERT_OK(store().FinishNotification(due[0].seq, false, At(130)));
  ASSERT_OK_AND_ASSIGN(due, store().ListDueNotifications(At(120), 10));
  EXPECT_THAT(due, IsEmpty());  // retried later
  ASSERT_OK_AND_ASSIGN(due, store().ListDueNotifications(At(130), 10));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 1);
  ASSERT_OK(store().FinishNotification(due[0].seq, true, At(130)));
  ASSERT_OK_AND_ASSIGN(due, store().ListDueNotifications(At(1000), 10));
  EXPECT_THAT(due, IsEmpty());
  EXPECT_EQ(CodeOf(store().FinishNotification(12345, true, At(1))), absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, CountTasksPerQueue) {
  OpenTask(store(), "r1", MakeTask("t1", "ap", "A", 0, At(10), "{}"), At(1));
  OpenTask(store(), "r2", MakeTask("t2", "ap", "B", 0, At(1000), "{}"), At(1));
  OpenTask(store(), "r3", MakeTask("t3", "claims", "C", 0, std::nullopt, "{}"), At(1));
  ASSERT_OK(store().ClaimTask("t2", "ann", At(2), absl::Hours(1)).status());
  ASSERT_OK_AND_ASSIGN(std::vector<QueueCounts> counts, store().CountTasks(At(100)));
  ASSERT_EQ(counts.size(), 2u);
  EXPECT_EQ(counts[0].queue, "ap");
  EXPECT_EQ(counts[0].open, 1);
  EXPECT_EQ(counts[0].claimed, 1);
  EXPECT_EQ(counts[0].overdue, 1);
  EXPECT_EQ(counts[1].queue, "claims");
  EXPECT_EQ(counts[1].open, 1);
  EXPECT_EQ(counts[1].overdue, 0);
}

TEST_P(StoreConformanceTest, APausedWorkflowsStepsAreNeitherClaimedNorLeased) {
  PutVersion(store(), "wf");
  ASSERT_OK_AND_ASSIGN(WorkflowInfo paused, store().SetWorkflowPaused("wf", true, "olga", At(1)));
  EXPECT_TRUE(paused.paused);
  EXPECT_EQ(paused.paused_by, "olga");
  EXPECT_EQ(paused.paused_at, At(1));

  // A new run waits: its first step is ready but not leased, claims pass it by.
  NewRun run = MakeRun("r1", ChainSteps(), At(2));
  run.lease = LeaseRequest{"worker-1", absl::Seconds(60)};
  CreateRunResult created = Create(run);
  EXPECT_THAT(created.leased, IsEmpty());
  EXPECT_THAT(Claim("w", At(3)), IsEmpty());
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> due, store().NextDueTime());
  EXPECT_FALSE(due.has_value());

  // Another workflow's work goes on.
  NewRun other = MakeRun("r2", ChainSteps(), At(2));
  other.workflow = "other";
  Create(other);
  EXPECT_THAT(StepIds(Claim("w", At(3))), ElementsAre("r2/a"));

  ASSERT_OK_AND_ASSIGN(WorkflowInfo resumed, store().SetWorkflowPaused("wf", false, "olga", At(4)));
  EXPECT_FALSE(resumed.paused);
  EXPECT_EQ(resumed.paused_by, "");
  ASSERT_OK_AND_ASSIGN(due, store().NextDueTime());
  EXPECT_EQ(due, At(2));
  EXPECT_THAT(StepIds(Claim("w", At(5))), ElementsAre("r1/a"));

  EXPECT_EQ(CodeOf(store().SetWorkflowPaused("nope", true, "olga", At(1))),
            absl::StatusCode::kNotFound);
}

TEST_P(StoreConformanceTest, APausedWorkflowsCommitsDoNotLeaseTheNextStep) {
  PutVersion(store(), "wf");
  NewRun run = MakeRun("r1", ChainSteps(), At(1));
  run.lease = LeaseRequest{"worker-1", absl::Seconds(60)};
  CreateRunResult created = Create(run);
  ASSERT_EQ(created.leased.size(), 1u);
  ASSERT_OK(store().SetWorkflowPaused("wf", true, "olga", At(2)).status());
  StepCommit commit = MakeCommit(created.leased[0], StepResolution::kCompleted, At(3));
  commit.dependents = {"b"};
  commit.lease_next = LeaseRequest{"worker-1", absl::Seconds(60)};
  ASSERT_OK_AND_ASSIGN(CommitResult result, store().CommitStep(commit));
  EXPECT_THAT(result.leased, IsEmpty());
  EXPECT_EQ(GetStep("r1", "b").status, StepStatus::kReady);
  EXPECT_THAT(Claim("w", At(4)), IsEmpty());
  ASSERT_OK(store().SetWorkflowPaused("wf", false, "olga", At(5)).status());
  EXPECT_THAT(StepIds(Claim("w", At(6))), ElementsAre("r1/b"));
}

TEST_P(StoreConformanceTest, UsersAreAddedReplacedAndFound) {
  UserInfo ann{"ann", "reviewer", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", At(1), false};
  ASSERT_OK(store().PutUser(ann));
  ASSERT_OK_AND_ASSIGN(UserInfo found, store().FindUser("ann"));
  EXPECT_EQ(found.role, "reviewer");
  EXPECT_EQ(found.password_hash, ann.password_hash);
  EXPECT_EQ(found.created_at, At(1));
  EXPECT_FALSE(found.disabled);

  ann.role = "operator";
  ann.disabled = true;
  ann.created_at = At(9);
  ASSERT_OK(store().PutUser(ann));
  ASSERT_OK_AND_ASSIGN(found, store().FindUser("ann"));
  EXPECT_EQ(found.role, "operator");
  EXPECT_TRUE(found.disabled);
  EXPECT_EQ(found.created_at, At(1));  // replacing keeps when the user was added

  ASSERT_OK(store().PutUser(UserInfo{"bob", "viewer", "h", At(2), false}));
  ASSERT_OK_AND_ASSIGN(std::vector<UserInfo> users, store().ListUsers());
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "ann");
  EXPECT_EQ(users[1].name, "bob");
  EXPECT_EQ(CodeOf(store().FindUser("carl")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().PutUser(UserInfo{"", "viewer", "h", At(2), false})),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, SessionsAreTokensThatExpire) {
  TokenInfo session = Token("s1", "ann", "reviewer", "hash-s", At(1));
  session.session = true;
  session.expires_at = At(3600);
  ASSERT_OK(store().PutToken(session));
  ASSERT_OK_AND_ASSIGN(TokenInfo found, store().FindToken("hash-s"));
  EXPECT_TRUE(found.session);
  EXPECT_EQ(found.expires_at, At(3600));
  ASSERT_OK(store().PutToken(Token("t1", "ci", "operator", "hash-t", At(1))));
  ASSERT_OK_AND_ASSIGN(found, store().FindToken("hash-t"));
  EXPECT_FALSE(found.session);
  EXPECT_FALSE(found.expires_at.has_value());
}

}  // namespace
}  // namespace flowline::store::testing
