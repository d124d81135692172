// CommitStep: the hot path of the engine (every step of every run passes here once per
// attempt), so it reads only the run's status and labels, fences and updates the step with one
// UPDATE, and touches each dependent with one UPDATE that also starts it if it becomes ready.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/request_checks.h"
#include "store/run_rules.h"
#include "store/sqlite/chain.h"
#include "store/sqlite/run_writes.h"

namespace flowline::store::sqlite {
namespace {

struct RunLabels {
  bool open = false;  // still running: the commit may schedule and lease
  std::string workflow;
  std::string version;
  bool paused = false;  // its workflow's stop switch is on: nothing is leased
};

// What the commit needs to know about the run. Only read: rewriting the run row (input and all)
// on every step commit would be the most expensive write of the commit, so a run's updated_at
// moves when the run itself changes (created, finished).
absl::StatusOr<RunLabels> ReadRun(Connection& db, const StepCommit& commit) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT status = 'running', workflow, version, "
                                         "coalesce((SELECT paused FROM workflows w "
                                         "WHERE w.workflow = runs.workflow), 0) "
                                         "FROM runs WHERE run_id = ?1"));
  stmt->Bind(1, commit.run_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("run ", commit.run_id, " not found"));
  return RunLabels{stmt->Int(0) != 0, stmt->Text(1), stmt->Text(2), stmt->Int(3) != 0};
}

// The fence: the step changes only if it is running under the caller's lease token.
absl::Status UpdateFencedStep(Connection& db, const StepCommit& commit, const StepUpdate& update) {
  ASSIGN_OR_RETURN(auto stmt,
                   db.Prepare("UPDATE steps SET status = ?4, available_at = ?5, "
                              "lease_token = '', lease_expires_at = NULL, params_json = ?6, "
                              "output_json = CASE WHEN ?7 THEN ?8 ELSE output_json END, "
                              "confidence = CASE WHEN ?7 THEN ?9 ELSE confidence END, "
                              "error = CASE WHEN ?10 <> '' THEN ?10 ELSE error END, "
                              "resume_json = CASE WHEN ?11 THEN ?12 ELSE resume_json END, "
                              "task_id = CASE WHEN ?13 <> '' THEN ?13 ELSE task_id END, "
                              "finished_at = ?14, duration_us = duration_us + ?15 "
                              "WHERE run_id = ?1 AND step_id = ?2 AND status = 'running' "
                              "AND lease_token = ?3"));
  stmt->Bind(1, commit.run_id);
  stmt->Bind(2, commit.step_id);
  stmt->Bind(3, commit.lease_token);
  stmt->Bind(4, update.status);
  stmt->Bind(5, update.available_at);
  stmt->Bind(6, commit.params_json);
  stmt->Bind(7, update.set_output ? 1 : 0);
  stmt->Bind(8, commit.output_json);
  stmt->Bind(9, commit.confidence);
  stmt->Bind(10, commit.error);
  stmt->Bind(11, update.set_resume ? 1 : 0);
  stmt->Bind(12, commit.resume_json);
  stmt->Bind(13, update.task_id);
  stmt->Bind(14, update.finished_at);
  stmt->Bind(15, commit.duration_us);
  RETURN_IF_ERROR(stmt->Run());
  if (stmt->Changes() == 1) return absl::OkStatus();

  // Rejected: say why (only on this cold path do we read the step).
  ASSIGN_OR_RETURN(auto find, db.Prepare("SELECT status FROM steps "
                                         "WHERE run_id = ?1 AND step_id = ?2"));
  find->Bind(1, commit.run_id);
  find->Bind(2, commit.step_id);
  ASSIGN_OR_RETURN(bool row, find->Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat("step ", commit.step_id, " of run ", commit.run_id, " not found"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the lease on step ", commit.step_id, " of run ", commit.run_id,
                   " is no longer held by this worker (the step is now ", find->Text(0),
                   "); the result was not stored"));
}

absl::Status InsertTask(Connection& db, const StepCommit& commit, const std::string& workflow) {
  const NewTask& task = *commit.task;
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO tasks (task_id, run_id, step_id, "
                                         "workflow, queue, title, priority, status, "
                                         "payload_json, created_at, due_at, escalate_to, "
                                         "notify_url, four_eyes) VALUES (?1, ?2, ?3, ?4, ?5, "
                                         "?6, ?7, 'open', ?8, ?9, ?10, ?11, ?12, ?13)"));
  stmt->Bind(1, task.task_id);
  stmt->Bind(2, commit.run_id);
  stmt->Bind(3, commit.step_id);
  stmt->Bind(4, workflow);
  stmt->Bind(5, task.queue);
  stmt->Bind(6, task.title);
  stmt->Bind(7, task.priority);
  stmt->Bind(8, task.payload_json);
  stmt->Bind(9, commit.now);
  stmt->Bind(10, task.due_at);
  stmt->Bind(11, task.escalate_to);
  stmt->Bind(12, task.notify_url);
  stmt->Bind(13, task.four_eyes ? 1 : 0);
  absl::Status status = stmt->Run();
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError(absl::StrCat("task ", task.task_id, " already exists"));
  }
  return status;
}

// Drops each dependent's count by one and, in the same statement, starts those that reach zero
// while pending: ready at `now`, or leased to lease_next's owner. When the commit finishes the
// run they stay pending (FinishRun settles them). SET expressions see the row as it was, so
// `deps_remaining = 1` means "reaches zero now". One UPDATE per dependent keeps the hot path at
// one b-tree seek per edge of the plan.
absl::Status ReleaseDependents(Connection& db, LeaseTokens& tokens, const StepCommit& commit,
                               const RunLabels& run, CommitResult& result, bool& end_reached) {
  ASSIGN_OR_RETURN(
      auto stmt,
      db.Prepare("UPDATE steps SET deps_remaining = deps_remaining - 1, "
                 "status = CASE WHEN deps_remaining = 1 AND status = 'pending' THEN ?3 "
                 "ELSE status END, "
                 "available_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'ready' THEN ?4 ELSE available_at END, "
                 "attempt = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'running' THEN attempt + 1 ELSE attempt END, "
                 "lease_owner = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'running' THEN ?5 ELSE lease_owner END, "
                 "lease_token = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'running' THEN ?6 ELSE lease_token END, "
                 "lease_expires_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'running' THEN ?7 ELSE lease_expires_at END, "
                 "started_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND "
                 "?3 = 'running' THEN coalesce(started_at, ?4) ELSE started_at END "
                 "WHERE run_id = ?1 AND step_id = ?2 AND deps_remaining > 0"));
  // The row as the UPDATE left it, read by a second seek of the same (cached) page: RETURNING
  // would give the same but makes SQLite open and close an ephemeral table per execution.
  ASSIGN_OR_RETURN(
      auto read, db.Prepare("SELECT deps_remaining = 0, status = 'running' AND lease_token = ?3, "
                            "attempt, resume_json FROM steps WHERE run_id = ?1 AND step_id = ?2"));
  const DependentStart start = PlanDependentStart(commit, run.paused);
  const bool lease_next = start.lease;
  const char* started_status = start.status;
  const absl::Time expires_at = start.lease_expires_at;
  static const std::string kNoOwner;
  const std::string& owner = lease_next ? commit.lease_next->owner : kNoOwner;
  for (const std::string& dependent : commit.dependents) {
    std::string token = lease_next ? tokens.Next() : std::string();
    stmt->Reset();
    stmt->Bind(1, commit.run_id);
    stmt->Bind(2, dependent);
    stmt->Bind(3, started_status);
    stmt->Bind(4, commit.now);
    stmt->Bind(5, owner);
    stmt->Bind(6, token);
    stmt->Bind(7, expires_at);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() != 1) {
      return absl::InternalError(
          absl::StrCat("step ", commit.step_id, " of run ", commit.run_id, " names dependent ",
                       dependent, ", which does not exist or has no dependencies left"));
    }
    read->Reset();
    read->Bind(1, commit.run_id);
    read->Bind(2, dependent);
    read->Bind(3, token);
    ASSIGN_OR_RETURN(bool row, read->Step());
    if (!row) return absl::InternalError(absl::StrCat("dependent ", dependent, " disappeared"));
    if (read->Int(0) == 0) continue;  // still waits for other dependencies
    if (dependent == kEndStepId) end_reached = true;
    if (lease_next && read->Int(1) != 0) {
      result.leased.push_back(MakeClaim(commit.run_id, run.workflow, run.version, dependent,
                                        static_cast<int>(read->Int(2)), std::move(token),
                                        expires_at, read->Text(3)));
    }
  }
  return absl::OkStatus();
}

absl::Status FinishRun(Connection& db, const StepCommit& commit, bool end_reached) {
  RETURN_IF_ERROR(CheckRunCanFinish(commit, end_reached));
  const RunFinish& finish = *commit.finish;
  const bool completing = finish.status == RunStatus::kCompleted;
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE runs SET status = ?2, output_json = ?3, "
                                           "error = ?4, finished_at = ?5, updated_at = ?5 "
                                           "WHERE run_id = ?1"));
    stmt->Bind(1, commit.run_id);
    stmt->Bind(2, RunStatusName(finish.status));
    stmt->Bind(3, finish.output_json);
    stmt->Bind(4, finish.error);
    stmt->Bind(5, commit.now);
    RETURN_IF_ERROR(stmt->Run());
  }
  {
    // Every step not yet started is cancelled, except $end when the run completes: the engine
    // evaluated the outputs in this commit, so $end is done. Running steps keep their lease:
    // their worker's result is still recorded when it arrives (and a claim cancels them if the
    // lease runs out first).
    ASSIGN_OR_RETURN(
        auto stmt,
        db.Prepare("UPDATE steps SET "
                   "status = CASE WHEN ?2 AND step_id = '$end' THEN 'completed' "
                   "ELSE 'cancelled' END, "
                   "output_json = CASE WHEN ?2 AND step_id = '$end' THEN ?3 ELSE output_json END, "
                   "finished_at = CASE WHEN ?2 AND step_id = '$end' THEN ?4 ELSE finished_at END, "
                   "available_at = NULL "
                   "WHERE run_id = ?1 AND status IN ('pending', 'ready', 'waiting')"));
    stmt->Bind(1, commit.run_id);
    stmt->Bind(2, completing ? 1 : 0);
    stmt->Bind(3, finish.output_json);
    stmt->Bind(4, commit.now);
    RETURN_IF_ERROR(stmt->Run());
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE tasks SET status = 'cancelled' "
                                         "WHERE run_id = ?1 AND status IN ('open', 'claimed')"));
  stmt->Bind(1, commit.run_id);
  return stmt->Run();
}

}  // namespace

absl::StatusOr<CommitResult> ApplyStepCommit(Connection& db, LeaseTokens& tokens,
                                             const StepCommit& commit) {
  RETURN_IF_ERROR(ValidateStepCommit(commit));
  ASSIGN_OR_RETURN(RunLabels run, ReadRun(db, commit));
  StepUpdate update = PlanStepUpdate(commit, run.open);
  RETURN_IF_ERROR(UpdateFencedStep(db, commit, update));

  CommitResult result;
  if (run.open) {
    if (commit.resolution == StepResolution::kWaitTask) {
      RETURN_IF_ERROR(InsertTask(db, commit, run.workflow));
    }
    bool end_reached = false;
    if (commit.resolution == StepResolution::kCompleted ||
        commit.resolution == StepResolution::kSkipped) {
      RETURN_IF_ERROR(ReleaseDependents(db, tokens, commit, run, result, end_reached));
    }
    if (commit.finish.has_value()) {
      RETURN_IF_ERROR(FinishRun(db, commit, end_reached));
      result.run_finished = true;
    }
  }
  RETURN_IF_ERROR(AppendRecords(db, commit.run_id, run.version, commit.records, commit.now));
  return result;
}

}  // namespace flowline::store::sqlite
