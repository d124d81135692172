// PostgresStore: runs and steps — creating, claiming, committing, leases. The rules are the
// SQLite store's (store/sqlite/run_writes.cc, step_commit.cc); what differs is concurrency:
// several processes claim and commit at once, so claims skip rows other claimers hold
// (FOR UPDATE SKIP LOCKED) and every commit of a run first locks the run's row.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/postgres/pg_chain.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_query_builder.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"
#include "store/request_checks.h"
#include "store/run_rules.h"

namespace flowline::store::postgres {
namespace {

// ---- CreateRun --------------------------------------------------------------------------------

// Lease tokens are random (gen_random_uuid, PostgreSQL 13+): unique across every process that
// shares the database, with no coordination.

// A normal run with a business key: ON CONFLICT on the de-duplication index, so of two
// concurrent triggers with one key the second waits for the first to commit and then inserts
// nothing.
constexpr PgQuery kInsertKeyedRun{
    "runs_insert_keyed",
    "INSERT INTO runs (run_id, workflow, version, business_key, status, input_json, created_at, "
    "updated_at, mode, parent_run_id) VALUES ($1, $2, $3, $4, 'running', $5, $6, $6, $7, $8) "
    "ON CONFLICT (workflow, business_key) WHERE business_key <> '' AND mode = 'normal' "
    "DO NOTHING"};
constexpr PgQuery kInsertRun{
    "runs_insert",
    "INSERT INTO runs (run_id, workflow, version, business_key, status, input_json, created_at, "
    "updated_at, mode, parent_run_id) VALUES ($1, $2, $3, $4, 'running', $5, $6, $6, $7, $8)"};
constexpr PgQuery kFindKeyedRun{"runs_find_keyed",
                                "SELECT run_id, status FROM runs WHERE workflow = $1 AND "
                                "business_key = $2 AND business_key <> '' AND mode = 'normal'"};
constexpr PgQuery kWorkflowPaused{"runs_workflow_paused",
                                  "SELECT 1 FROM workflows WHERE workflow = $1 AND paused"};
// Every step of the plan in one statement. $5 'ready' | 'running' is what a step without
// dependencies becomes; 'running' leases it to $6 until $7 with a fresh random token.
constexpr PgQuery kInsertSteps{
    "runs_insert_steps",
    "INSERT INTO steps (run_id, step_id, position, status, attempt, deps_remaining, "
    "available_at, lease_owner, lease_token, lease_expires_at, started_at) "
    "SELECT $1, s.step_id, s.position - 1, "
    "CASE WHEN s.deps > 0 THEN 'pending' ELSE $5 END, "
    "CASE WHEN s.deps = 0 AND $5 = 'running' THEN 1 ELSE 0 END, s.deps, "
    "CASE WHEN s.deps = 0 AND $5 = 'ready' THEN $4::bigint END, "
    "CASE WHEN s.deps = 0 AND $5 = 'running' THEN $6 ELSE '' END, "
    "CASE WHEN s.deps = 0 AND $5 = 'running' THEN gen_random_uuid()::text ELSE '' END, "
    "CASE WHEN s.deps = 0 AND $5 = 'running' THEN $7::bigint END, "
    "CASE WHEN s.deps = 0 AND $5 = 'running' THEN $4::bigint END "
    "FROM unnest($2::text[], $3::int[]) WITH ORDINALITY AS s(step_id, deps, position) "
    "RETURNING step_id, status, lease_token, position"};

absl::StatusOr<CreateRunResult> InsertRun(PgTx& tx, const NewRun& run) {
  CreateRunResult result;
  const bool keyed = !run.business_key.empty() && run.mode == RunMode::kNormal;
  try {
    pqxx::result inserted =
        tx.Exec(keyed ? kInsertKeyedRun : kInsertRun,
                {run.run_id, run.workflow, run.version, run.business_key, run.input_json, run.now,
                 RunModeName(run.mode), run.parent_run_id});
    if (inserted.affected_rows() == 0) {
      pqxx::result found = tx.Exec(kFindKeyedRun, {run.workflow, run.business_key});
      if (found.empty()) {
        return absl::AbortedError(
            absl::StrCat("run ", run.run_id, ": the run with its business key vanished"));
      }
      result.run_id = PgText(found[0][0]);
      result.created = false;
      result.status = ParseRunStatus(PgText(found[0][1])).value_or(RunStatus::kRunning);
      return result;
    }
  } catch (const pqxx::unique_violation&) {
    return absl::AlreadyExistsError(absl::StrCat("run ", run.run_id, " already exists"));
  }
  // A paused workflow's new runs wait: their first steps are ready, not leased.
  bool lease = run.lease.has_value();
  if (lease && !tx.Exec(kWorkflowPaused, {run.workflow}).empty()) lease = false;
  std::vector<std::string> step_ids;
  std::vector<std::string> deps;
  step_ids.reserve(run.steps.size());
  for (const NewStep& step : run.steps) {
    step_ids.push_back(step.step_id);
    deps.push_back(std::to_string(step.deps_remaining));
  }
  const absl::Time expires_at = lease ? run.now + run.lease->duration : run.now;
  pqxx::result steps;
  try {
    steps = tx.Exec(kInsertSteps, {run.run_id, PgTextArray(step_ids), PgTextArray(deps), run.now,
                                   lease ? "running" : "ready",
                                   lease ? run.lease->owner : std::string(), expires_at});
  } catch (const pqxx::unique_violation&) {
    return absl::InvalidArgumentError(
        absl::StrCat("run ", run.run_id, " lists a step twice; step ids must be unique"));
  }
  bool ready_any = false;
  std::vector<std::pair<int64_t, ClaimedStep>> leased;
  for (const pqxx::row& row : steps) {
    const std::string status = PgText(row[1]);
    if (status == "ready") ready_any = true;
    if (status != "running") continue;
    leased.emplace_back(PgInt(row[3]),
                        MakeClaim(run.run_id, run.workflow, run.version, PgText(row[0]), 1,
                                  PgText(row[2]), expires_at, ""));
  }
  // RETURNING has no order: hand the eager claims back in plan order.
  std::sort(leased.begin(), leased.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [position, claim] : leased) result.leased.push_back(std::move(claim));
  if (ready_any) tx.NotifyWork();
  RETURN_IF_ERROR(AppendRecords(tx, run.run_id, run.version, run.records, run.now));
  result.run_id = run.run_id;
  result.created = true;
  result.status = RunStatus::kRunning;
  return result;
}

// ---- ClaimSteps ---------------------------------------------------------------------------------

// Due steps, and running ones whose lease expired, each found through its partial index in due
// order and locked with SKIP LOCKED (rows another claimer holds are passed by, never waited
// for); merged by due time; then leased (or, for a run that already ended, cancelled) by the
// same statement. Steps of paused workflows are passed by. The lease token is random.
constexpr PgQuery kClaim{
    "runs_claim",
    "WITH due AS ("
    " SELECT s.run_id, s.step_id, s.position, s.available_at AS due_at,"
    " r.status = 'running' AS open, r.workflow, r.version"
    " FROM steps s JOIN runs r ON r.run_id = s.run_id"
    " WHERE s.status IN ('ready', 'waiting') AND s.available_at IS NOT NULL"
    " AND s.available_at <= $1"
    " AND NOT EXISTS (SELECT 1 FROM workflows w WHERE w.workflow = r.workflow AND w.paused)"
    " ORDER BY s.available_at, s.run_id, s.position LIMIT $2 FOR UPDATE OF s SKIP LOCKED),"
    " expired AS ("
    " SELECT s.run_id, s.step_id, s.position, s.lease_expires_at AS due_at,"
    " r.status = 'running' AS open, r.workflow, r.version"
    " FROM steps s JOIN runs r ON r.run_id = s.run_id"
    " WHERE s.status = 'running' AND s.lease_expires_at < $1"
    " AND NOT EXISTS (SELECT 1 FROM workflows w WHERE w.workflow = r.workflow AND w.paused)"
    " ORDER BY s.lease_expires_at, s.run_id, s.position LIMIT $2 FOR UPDATE OF s SKIP LOCKED),"
    " picked AS (SELECT * FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) u"
    " ORDER BY due_at, run_id, position LIMIT $2)"
    " UPDATE steps s SET"
    " status = CASE WHEN p.open THEN 'running' ELSE 'cancelled' END,"
    " attempt = CASE WHEN p.open THEN s.attempt + 1 ELSE s.attempt END,"
    " available_at = NULL,"
    " lease_owner = CASE WHEN p.open THEN $3 ELSE s.lease_owner END,"
    " lease_token = CASE WHEN p.open THEN gen_random_uuid()::text ELSE '' END,"
    " lease_expires_at = CASE WHEN p.open THEN $4::bigint END,"
    " started_at = CASE WHEN p.open THEN coalesce(s.started_at, $1) ELSE s.started_at END"
    " FROM picked p WHERE s.run_id = p.run_id AND s.step_id = p.step_id"
    " RETURNING p.open, s.run_id, s.step_id, p.workflow, p.version, s.attempt, s.lease_token,"
    " s.resume_json, p.due_at, p.position"};

struct Claimed {
  int64_t due_us;
  int64_t position;
  ClaimedStep claim;
};

absl::StatusOr<std::vector<ClaimedStep>> ClaimDue(PgTx& tx, const LeaseRequest& lease,
                                                  absl::Time now, int max) {
  std::vector<Claimed> claimed;
  const absl::Time expires_at = now + lease.duration;
  // Steps of runs that already ended are cancelled rather than claimed, which can leave the
  // claim short of `max`; look again until it is full or nothing is due.
  for (;;) {
    const int64_t want = max - static_cast<int64_t>(claimed.size());
    pqxx::result rows = tx.Exec(kClaim, {now, want, lease.owner, expires_at});
    bool cancelled_any = false;
    for (const pqxx::row& row : rows) {
      if (!PgBool(row[0])) {
        cancelled_any = true;
        continue;
      }
      claimed.push_back(Claimed{
          PgInt(row[8]), PgInt(row[9]),
          MakeClaim(PgText(row[1]), PgText(row[3]), PgText(row[4]), PgText(row[2]),
                    static_cast<int>(PgInt(row[5])), PgText(row[6]), expires_at, PgText(row[7]))});
    }
    if (!cancelled_any || static_cast<int64_t>(claimed.size()) >= max) break;
  }
  // Due order: equal times oldest run first (run ids are time-ordered), then plan order.
  std::sort(claimed.begin(), claimed.end(), [](const Claimed& a, const Claimed& b) {
    if (a.due_us != b.due_us) return a.due_us < b.due_us;
    if (a.claim.run_id != b.claim.run_id) return a.claim.run_id < b.claim.run_id;
    return a.position < b.position;
  });
  std::vector<ClaimedStep> out;
  out.reserve(claimed.size());
  for (Claimed& c : claimed) out.push_back(std::move(c.claim));
  return out;
}

// ---- CommitStep ---------------------------------------------------------------------------------

struct RunLabels {
  bool open = false;  // still running: the commit may schedule and lease
  std::string workflow;
  std::string version;
  bool paused = false;  // its workflow's stop switch is on: nothing is leased
};

// The run's row is locked (FOR NO KEY UPDATE) for the rest of the transaction: commits of one
// run's parallel steps take turns, so that a commit that finishes the run and one that
// schedules its next steps never interleave. Claims do not lock runs, so they never wait here.
constexpr PgQuery kLockRun{"commit_lock_run",
                           "SELECT r.status = 'running', r.workflow, r.version, "
                           "coalesce((SELECT w.paused FROM workflows w "
                           "WHERE w.workflow = r.workflow), false) "
                           "FROM runs r WHERE r.run_id = $1 FOR NO KEY UPDATE OF r"};

absl::StatusOr<RunLabels> LockRun(PgTx& tx, const std::string& run_id) {
  pqxx::result rows = tx.Exec(kLockRun, {run_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
  return RunLabels{PgBool(rows[0][0]), PgText(rows[0][1]), PgText(rows[0][2]), PgBool(rows[0][3])};
}

// The fence: the step changes only if it is running under the caller's lease token.
constexpr PgQuery kFencedUpdate{
    "commit_fenced_update",
    "UPDATE steps SET status = $4, available_at = $5, lease_token = '', lease_expires_at = NULL, "
    "params_json = $6, "
    "output_json = CASE WHEN $7 THEN $8 ELSE output_json END, "
    "confidence = CASE WHEN $7 THEN $9::double precision ELSE confidence END, "
    "error = CASE WHEN $10 <> '' THEN $10 ELSE error END, "
    "resume_json = CASE WHEN $11 THEN $12 ELSE resume_json END, "
    "task_id = CASE WHEN $13 <> '' THEN $13 ELSE task_id END, "
    "finished_at = $14, duration_us = duration_us + $15 "
    "WHERE run_id = $1 AND step_id = $2 AND status = 'running' AND lease_token = $3"};
constexpr PgQuery kStepStatus{"commit_step_status",
                              "SELECT status FROM steps WHERE run_id = $1 AND step_id = $2"};

absl::Status UpdateFencedStep(PgTx& tx, const StepCommit& commit, const StepUpdate& update) {
  pqxx::result updated = tx.Exec(
      kFencedUpdate, {commit.run_id, commit.step_id, commit.lease_token, update.status,
                      update.available_at, commit.params_json, update.set_output,
                      commit.output_json, commit.confidence, commit.error, update.set_resume,
                      commit.resume_json, update.task_id, update.finished_at, commit.duration_us});
  if (updated.affected_rows() == 1) return absl::OkStatus();
  // Rejected: say why (only on this cold path do we read the step).
  pqxx::result found = tx.Exec(kStepStatus, {commit.run_id, commit.step_id});
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrCat("step ", commit.step_id, " of run ", commit.run_id, " not found"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("the lease on step ", commit.step_id, " of run ", commit.run_id,
                   " is no longer held by this worker (the step is now ", PgText(found[0][0]),
                   "); the result was not stored"));
}

constexpr PgQuery kInsertTask{
    "commit_insert_task",
    "INSERT INTO tasks (task_id, run_id, step_id, workflow, queue, title, priority, status, "
    "payload_json, created_at, due_at, escalate_to, notify_url, four_eyes) VALUES ($1, $2, $3, "
    "$4, $5, $6, $7, 'open', $8, $9, $10, $11, $12, $13)"};

absl::Status InsertTask(PgTx& tx, const StepCommit& commit, const std::string& workflow) {
  const NewTask& task = *commit.task;
  try {
    tx.Exec(kInsertTask, {task.task_id, commit.run_id, commit.step_id, workflow, task.queue,
                          task.title, task.priority, task.payload_json, commit.now, task.due_at,
                          task.escalate_to, task.notify_url, task.four_eyes});
  } catch (const pqxx::unique_violation&) {
    return absl::AlreadyExistsError(absl::StrCat("task ", task.task_id, " already exists"));
  }
  return absl::OkStatus();
}

// Drops each dependent's count by one and, in the same statement, starts those that reach zero
// while pending: ready at `now`, or leased to lease_next's owner. When the commit finishes the
// run they stay pending (FinishRun settles them). SET expressions see the row as it was, so
// `deps_remaining = 1` means "reaches zero now"; RETURNING sees it as it is after. Every
// dependent in one statement: one round trip per commit however wide the plan.
constexpr PgQuery kReleaseDependents{
    "commit_release_dependents",
    "UPDATE steps SET deps_remaining = deps_remaining - 1, "
    "status = CASE WHEN deps_remaining = 1 AND status = 'pending' THEN $3 ELSE status END, "
    "available_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'ready' "
    "THEN $4::bigint ELSE available_at END, "
    "attempt = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'running' "
    "THEN attempt + 1 ELSE attempt END, "
    "lease_owner = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'running' "
    "THEN $5 ELSE lease_owner END, "
    "lease_token = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'running' "
    "THEN gen_random_uuid()::text ELSE lease_token END, "
    "lease_expires_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'running' "
    "THEN $6::bigint ELSE lease_expires_at END, "
    "started_at = CASE WHEN deps_remaining = 1 AND status = 'pending' AND $3 = 'running' "
    "THEN coalesce(started_at, $4::bigint) ELSE started_at END "
    "WHERE run_id = $1 AND step_id = ANY($2::text[]) AND deps_remaining > 0 "
    "RETURNING step_id, deps_remaining = 0, status, attempt, lease_token, resume_json, "
    "position"};

absl::Status ReleaseDependents(PgTx& tx, const StepCommit& commit, const RunLabels& run,
                               CommitResult& result, bool& end_reached) {
  if (commit.dependents.empty()) return absl::OkStatus();
  const DependentStart start = PlanDependentStart(commit, run.paused);
  const bool lease_next = start.lease;
  const char* started_status = start.status;
  const absl::Time expires_at = start.lease_expires_at;
  std::vector<std::string> dependents = commit.dependents;
  std::sort(dependents.begin(), dependents.end());
  dependents.erase(std::unique(dependents.begin(), dependents.end()), dependents.end());
  pqxx::result rows = tx.Exec(kReleaseDependents,
                              {commit.run_id, PgTextArray(dependents), started_status, commit.now,
                               lease_next ? commit.lease_next->owner : std::string(), expires_at});
  if (rows.size() != dependents.size() || dependents.size() != commit.dependents.size()) {
    return absl::InternalError(
        absl::StrCat("step ", commit.step_id, " of run ", commit.run_id, " names dependents (",
                     absl::StrJoin(commit.dependents, ", "),
                     ") of which some do not exist, have no dependencies left or repeat"));
  }
  std::vector<std::pair<int64_t, ClaimedStep>> leased;
  bool ready_any = false;
  for (const pqxx::row& row : rows) {
    if (!PgBool(row[1])) continue;  // still waits for other dependencies
    const std::string step_id = PgText(row[0]);
    const std::string status = PgText(row[2]);
    if (step_id == kEndStepId) end_reached = true;
    if (status == "ready") ready_any = true;
    // deps_remaining was above 0 before, so a running dependent was leased by this statement.
    if (lease_next && status == "running") {
      leased.emplace_back(PgInt(row[6]), MakeClaim(commit.run_id, run.workflow, run.version,
                                                   step_id, static_cast<int>(PgInt(row[3])),
                                                   PgText(row[4]), expires_at, PgText(row[5])));
    }
  }
  std::sort(leased.begin(), leased.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [position, claim] : leased) result.leased.push_back(std::move(claim));
  if (ready_any) tx.NotifyWork();
  return absl::OkStatus();
}

constexpr PgQuery kFinishRun{"commit_finish_run",
                             "UPDATE runs SET status = $2, output_json = $3, error = $4, "
                             "finished_at = $5, updated_at = $5 WHERE run_id = $1"};
// Every step not yet started is cancelled, except $end when the run completes: the engine
// evaluated the outputs in this commit, so $end is done. Running steps keep their lease: their
// worker's result is still recorded when it arrives (and a claim cancels them if the lease runs
// out first).
constexpr PgQuery kSettleSteps{
    "commit_settle_steps",
    "UPDATE steps SET "
    "status = CASE WHEN $2 AND step_id = '$end' THEN 'completed' ELSE 'cancelled' END, "
    "output_json = CASE WHEN $2 AND step_id = '$end' THEN $3 ELSE output_json END, "
    "finished_at = CASE WHEN $2 AND step_id = '$end' THEN $4::bigint ELSE finished_at END, "
    "available_at = NULL "
    "WHERE run_id = $1 AND status IN ('pending', 'ready', 'waiting')"};
constexpr PgQuery kCancelTasks{"commit_cancel_tasks",
                               "UPDATE tasks SET status = 'cancelled' "
                               "WHERE run_id = $1 AND status IN ('open', 'claimed')"};

absl::Status FinishRun(PgTx& tx, const StepCommit& commit, bool end_reached) {
  RETURN_IF_ERROR(CheckRunCanFinish(commit, end_reached));
  const RunFinish& finish = *commit.finish;
  const bool completing = finish.status == RunStatus::kCompleted;
  tx.Exec(kFinishRun, {commit.run_id, RunStatusName(finish.status), finish.output_json,
                       finish.error, commit.now});
  tx.Exec(kSettleSteps, {commit.run_id, completing, finish.output_json, commit.now});
  tx.Exec(kCancelTasks, {commit.run_id});
  return absl::OkStatus();
}

absl::StatusOr<CommitResult> ApplyStepCommit(PgTx& tx, const StepCommit& commit) {
  ASSIGN_OR_RETURN(RunLabels run, LockRun(tx, commit.run_id));
  StepUpdate update = PlanStepUpdate(commit, run.open);
  RETURN_IF_ERROR(UpdateFencedStep(tx, commit, update));

  CommitResult result;
  if (run.open) {
    if (commit.resolution == StepResolution::kWaitTask) {
      RETURN_IF_ERROR(InsertTask(tx, commit, run.workflow));
    }
    // A retry or a timer: idle workers look again (their next due time may be earlier now).
    if (commit.resolution == StepResolution::kRetry ||
        commit.resolution == StepResolution::kWaitTimer) {
      tx.NotifyWork();
    }
    bool end_reached = false;
    if (commit.resolution == StepResolution::kCompleted ||
        commit.resolution == StepResolution::kSkipped) {
      RETURN_IF_ERROR(ReleaseDependents(tx, commit, run, result, end_reached));
    }
    if (commit.finish.has_value()) {
      RETURN_IF_ERROR(FinishRun(tx, commit, end_reached));
      result.run_finished = true;
    }
  }
  RETURN_IF_ERROR(AppendRecords(tx, commit.run_id, run.version, commit.records, commit.now));
  return result;
}

// ---- Leases and reads -------------------------------------------------------------------------

constexpr PgQuery kRenew{
    "leases_renew",
    "UPDATE steps s SET lease_expires_at = $4 "
    "FROM unnest($1::text[], $2::text[], $3::text[]) AS h(run_id, step_id, token) "
    "WHERE s.run_id = h.run_id AND s.step_id = h.step_id AND s.status = 'running' "
    "AND s.lease_token = h.token AND s.lease_owner = $5 "
    "RETURNING s.run_id, s.step_id"};
// The Unix epoch is in the past for every clock the engine uses, real or fake.
constexpr PgQuery kExpireAll{"leases_expire_all",
                             "UPDATE steps SET lease_expires_at = 0 WHERE status = 'running'"};
// Each is the first entry of a partial index (steps_due, steps_lease) whose run's workflow is
// not paused.
constexpr PgQuery kNextDue{
    "steps_next_due",
    "SELECT (SELECT s.available_at FROM steps s JOIN runs r ON r.run_id = s.run_id "
    "WHERE s.status IN ('ready', 'waiting') AND s.available_at IS NOT NULL AND NOT EXISTS "
    "(SELECT 1 FROM workflows w WHERE w.workflow = r.workflow AND w.paused) "
    "ORDER BY s.available_at LIMIT 1), "
    "(SELECT s.lease_expires_at FROM steps s JOIN runs r ON r.run_id = s.run_id "
    "WHERE s.status = 'running' AND NOT EXISTS "
    "(SELECT 1 FROM workflows w WHERE w.workflow = r.workflow AND w.paused) "
    "ORDER BY s.lease_expires_at LIMIT 1)"};

const std::string kSelectRunSql =
    absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE run_id = $1");
// The run and its steps in one statement: one snapshot, one round trip.
const std::string kSelectRunDetailSql = [] {
  std::string run_columns = absl::StrCat("r.", kRunColumns);
  std::string step_columns = absl::StrCat("s.", kStepColumns);
  auto prefix = [](std::string columns, const char* alias) {
    std::string out;
    for (char c : columns) {
      out += c;
      if (c == ' ') out += alias;
    }
    return out;
  };
  return absl::StrCat("SELECT ", prefix(run_columns, "r."), ", ", prefix(step_columns, "s."),
                      " FROM runs r LEFT JOIN steps s ON s.run_id = r.run_id "
                      "WHERE r.run_id = $1 ORDER BY s.position");
}();

absl::StatusOr<Run> SelectRun(PgTx& tx, const std::string& run_id) {
  pqxx::result rows = tx.Exec(PgQuery{"runs_select", kSelectRunSql.c_str()}, {run_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
  return ReadRunRow(rows[0]);
}

absl::StatusOr<std::vector<Run>> SelectRuns(PgTx& tx, const RunFilter& filter) {
  // One statement per combination of filters (pg_query_builder.h): each keeps its own plan. The
  // builder interns the text, so the name a failure reports outlives this call.
  PgQueryBuilder sql("runs_list", absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE true"));
  if (!filter.workflow.empty()) sql.Add(" AND workflow = ?", {filter.workflow});
  if (filter.status.has_value()) sql.Add(" AND status = ?", {RunStatusName(*filter.status)});
  if (!filter.before_run_id.empty()) {
    // A cursor that names no run would silently return nothing; say so instead.
    absl::StatusOr<Run> cursor = SelectRun(tx, filter.before_run_id);
    if (absl::IsNotFound(cursor.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("before_run_id ", filter.before_run_id, " names no run"));
    }
    RETURN_IF_ERROR(cursor.status());
    sql.Add(" AND seq < (SELECT seq FROM runs WHERE run_id = ?)", {filter.before_run_id});
  }
  if (!filter.version_prefix.empty()) {
    sql.Add(" AND starts_with(version, ?)", {filter.version_prefix});
  }
  if (!filter.key_contains.empty()) {
    sql.Add(" AND strpos(lower(business_key), lower(?)) > 0", {filter.key_contains});
  }
  if (filter.created_from.has_value()) sql.Add(" AND created_at >= ?", {*filter.created_from});
  if (filter.created_until.has_value()) sql.Add(" AND created_at < ?", {*filter.created_until});
  if (filter.mode.has_value()) sql.Add(" AND mode = ?", {RunModeName(*filter.mode)});
  if (filter.finished_only) sql.Add(" AND status <> 'running'");
  sql.Add(" ORDER BY seq DESC LIMIT ?", {PgLimit(filter.limit)});
  std::vector<Run> runs;
  for (const pqxx::row& row : tx.Exec(sql.query(), sql.params())) {
    ASSIGN_OR_RETURN(Run run, ReadRunRow(row));
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace

absl::StatusOr<CreateRunResult> PostgresStore::CreateRun(const NewRun& run) {
  RETURN_IF_ERROR(ValidateNewRun(run));
  return pool_->Run<CreateRunResult>("CreateRun", [&](PgTx& tx) { return InsertRun(tx, run); });
}

absl::StatusOr<std::vector<ClaimedStep>> PostgresStore::ClaimSteps(const LeaseRequest& lease,
                                                                   absl::Time now, int max) {
  if (max <= 0) return std::vector<ClaimedStep>();
  if (lease.owner.empty()) return absl::InvalidArgumentError("a claim needs a lease owner");
  return pool_->Run<std::vector<ClaimedStep>>(
      "ClaimSteps", [&](PgTx& tx) { return ClaimDue(tx, lease, now, max); });
}

absl::StatusOr<CommitResult> PostgresStore::CommitStep(const StepCommit& commit) {
  RETURN_IF_ERROR(ValidateStepCommit(commit));
  return pool_->Run<CommitResult>("CommitStep",
                                  [&](PgTx& tx) { return ApplyStepCommit(tx, commit); });
}

absl::StatusOr<std::vector<std::string>> PostgresStore::RenewLeases(
    const std::string& owner, const std::vector<ClaimedStep>& steps, absl::Time expires_at) {
  if (steps.empty()) return std::vector<std::string>();
  std::vector<std::string> run_ids, step_ids, tokens;
  for (const ClaimedStep& step : steps) {
    run_ids.push_back(step.run_id);
    step_ids.push_back(step.step_id);
    tokens.push_back(step.lease_token);
  }
  return pool_->Run<std::vector<std::string>>(
      "RenewLeases", [&](PgTx& tx) -> absl::StatusOr<std::vector<std::string>> {
        pqxx::result held = tx.Exec(kRenew, {PgTextArray(run_ids), PgTextArray(step_ids),
                                             PgTextArray(tokens), expires_at, owner});
        std::vector<std::string> kept;
        for (const pqxx::row& row : held) {
          kept.push_back(IdempotencyKey(PgText(row[0]), PgText(row[1])));
        }
        std::sort(kept.begin(), kept.end());
        std::vector<std::string> lost;
        for (const ClaimedStep& step : steps) {
          std::string key = IdempotencyKey(step.run_id, step.step_id);
          if (!std::binary_search(kept.begin(), kept.end(), key)) lost.push_back(std::move(key));
        }
        return lost;
      });
}

absl::StatusOr<int> PostgresStore::ExpireAllLeases() {
  return pool_->Run<int>("ExpireAllLeases", [&](PgTx& tx) -> absl::StatusOr<int> {
    const int expired = static_cast<int>(tx.Exec(kExpireAll).affected_rows());
    if (expired > 0) tx.NotifyWork();
    return expired;
  });
}

absl::StatusOr<std::optional<absl::Time>> PostgresStore::NextDueTime() {
  return pool_->Run<std::optional<absl::Time>>(
      "NextDueTime", [&](PgTx& tx) -> absl::StatusOr<std::optional<absl::Time>> {
        pqxx::result rows = tx.Exec(kNextDue);
        std::optional<absl::Time> due = PgOptTime(rows[0][0]);
        std::optional<absl::Time> lease_expiry = PgOptTime(rows[0][1]);
        if (!due.has_value()) return lease_expiry;
        if (!lease_expiry.has_value()) return due;
        return std::min(*due, *lease_expiry);
      });
}

absl::StatusOr<Run> PostgresStore::GetRun(const std::string& run_id) {
  return pool_->Run<Run>("GetRun", [&](PgTx& tx) { return SelectRun(tx, run_id); });
}

absl::StatusOr<RunDetail> PostgresStore::GetRunDetail(const std::string& run_id) {
  return pool_->Run<RunDetail>("GetRunDetail", [&](PgTx& tx) -> absl::StatusOr<RunDetail> {
    pqxx::result rows =
        tx.Exec(PgQuery{"runs_select_detail", kSelectRunDetailSql.c_str()}, {run_id});
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
    RunDetail detail;
    ASSIGN_OR_RETURN(detail.run, ReadRunRow(rows[0]));
    for (const pqxx::row& row : rows) {
      if (row[kRunColumnCount].is_null()) continue;  // a run without steps
      ASSIGN_OR_RETURN(StepState step, ReadStepRow(row, kRunColumnCount));
      detail.steps.push_back(std::move(step));
    }
    return detail;
  });
}

absl::StatusOr<std::vector<Run>> PostgresStore::ListRuns(const RunFilter& filter) {
  return pool_->Run<std::vector<Run>>("ListRuns", [&](PgTx& tx) { return SelectRuns(tx, filter); });
}

}  // namespace flowline::store::postgres
