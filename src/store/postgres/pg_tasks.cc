// PostgresStore: tasks, notifications, corrections, the record feed.
//
// Every write on a task reads its row `FOR UPDATE` first: two people claiming or deciding the
// same task at once (on any hosts) take turns, and the second sees the first one's outcome and
// gets the same refusal SQLite's single writer would give.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_chain.h"
#include "store/postgres/pg_outbox.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_query_builder.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_tx.h"
#include "store/postgres/postgres_store.h"
#include "store/task_rules.h"

namespace flowline::store::postgres {
namespace {

constexpr char kTaskColumns[] =
    "task_id, run_id, step_id, workflow, queue, title, priority, status, payload_json, "
    "created_at, due_at, claimed_by, claim_expires_at, resolved_by, resolved_at, decision, "
    "resolution_json, escalate_to, notify_url, escalated_at, four_eyes, first_by, "
    "first_decision_json, claimed_at";
const std::string kLockTaskSql =
    absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE task_id = $1 FOR UPDATE");
const PgQuery kLockTask{"lock_task", kLockTaskSql.c_str()};
const std::string kResolveTaskFirstSql = absl::StrCat(
    "UPDATE tasks SET status = 'open', claimed_by = '', claimed_at = NULL, "
    "claim_expires_at = NULL, first_by = $2, first_decision_json = $3 WHERE task_id = $1 "
    "RETURNING ",
    kTaskColumns);
const PgQuery kResolveTaskFirst{"resolve_task_first", kResolveTaskFirstSql.c_str()};
const std::string kResolveTaskSql = absl::StrCat(
    "UPDATE tasks SET status = 'resolved', resolved_by = $2, resolved_at = $3, decision = $4, "
    "resolution_json = $5 WHERE task_id = $1 RETURNING ",
    kTaskColumns);
const PgQuery kResolveTask{"resolve_task", kResolveTaskSql.c_str()};
const std::string kGetTaskSql =
    absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE task_id = $1");
const PgQuery kGetTask{"get_task", kGetTaskSql.c_str()};
const std::string kClaimTaskSql = absl::StrCat(
    "UPDATE tasks SET claimed_at = CASE WHEN status = 'claimed' AND claimed_by = $2 AND "
    "claim_expires_at > $4 THEN coalesce(claimed_at, $4) ELSE $4 END, status = 'claimed', "
    "claimed_by = $2, claim_expires_at = $3 WHERE task_id = $1 "
    "RETURNING ",
    kTaskColumns);
const PgQuery kClaimTask{"claim_task", kClaimTaskSql.c_str()};
const std::string kListOverdueTasksSql =
    absl::StrCat("SELECT ", kTaskColumns,
                 " FROM tasks WHERE status IN ('open', 'claimed') AND "
                 "escalate_to <> '' AND escalated_at IS NULL AND due_at < $1 ORDER BY due_at, seq "
                 "LIMIT $2");
const PgQuery kListOverdueTasks{"list_overdue_tasks", kListOverdueTasksSql.c_str()};
const std::string kEscalateTaskSql = absl::StrCat(
    "UPDATE tasks SET queue = escalate_to, escalated_at = $2, status = 'open', claimed_by = '', "
    "claimed_at = NULL, claim_expires_at = NULL WHERE task_id = $1 "
    "RETURNING ",
    kTaskColumns);
const PgQuery kEscalateTask{"escalate_task", kEscalateTaskSql.c_str()};

absl::StatusOr<Task> ReadTask(const pqxx::row& row) {
  Task task;
  task.task_id = PgText(row[0]);
  task.run_id = PgText(row[1]);
  task.step_id = PgText(row[2]);
  task.workflow = PgText(row[3]);
  task.queue = PgText(row[4]);
  task.title = PgText(row[5]);
  task.priority = static_cast<int>(PgInt(row[6]));
  const std::string status = PgText(row[7]);
  std::optional<TaskStatus> parsed = ParseTaskStatus(status);
  if (!parsed.has_value()) {
    return absl::DataLossError(absl::StrCat("unknown task status '", status, "' in the database"));
  }
  task.status = *parsed;
  task.payload_json = PgText(row[8]);
  task.created_at = PgTime(row[9]);
  task.due_at = PgOptTime(row[10]);
  task.claimed_by = PgText(row[11]);
  task.claim_expires_at = PgOptTime(row[12]);
  task.resolved_by = PgText(row[13]);
  task.resolved_at = PgOptTime(row[14]);
  task.decision = PgText(row[15]);
  task.resolution_json = PgText(row[16]);
  task.escalate_to = PgText(row[17]);
  task.notify_url = PgText(row[18]);
  task.escalated_at = PgOptTime(row[19]);
  task.four_eyes = PgBool(row[20]);
  task.first_by = PgText(row[21]);
  task.first_decision_json = PgText(row[22]);
  task.claimed_at = PgOptTime(row[23]);
  return task;
}

absl::StatusOr<std::vector<Task>> ReadTasks(const pqxx::result& rows) {
  std::vector<Task> tasks;
  tasks.reserve(rows.size());
  for (const pqxx::row& row : rows) {
    ASSIGN_OR_RETURN(Task task, ReadTask(row));
    tasks.push_back(std::move(task));
  }
  return tasks;
}

// The one row an UPDATE ... RETURNING of a locked task gives back.
absl::StatusOr<Task> UpdatedTask(const pqxx::result& rows) {
  if (rows.empty()) return absl::InternalError("a task row disappeared during an update");
  return ReadTask(rows[0]);
}

// The task's row, locked until the transaction ends. NotFound for an unknown id.
absl::StatusOr<Task> LockTask(PgTx& tx, const std::string& task_id) {
  pqxx::result rows = tx.Exec(kLockTask, {task_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  return ReadTask(rows[0]);
}

// The version of the run that task `task_id` belongs to, with the run's row locked as a step
// commit locks it (pg_runs.cc). NotFound for an unknown task (or a task without its run).
absl::StatusOr<std::string> LockRunOfTask(PgTx& tx, const std::string& task_id) {
  static constexpr PgQuery kLockRun{
      "task_lock_run",
      "SELECT r.version FROM runs r WHERE r.run_id = (SELECT t.run_id FROM tasks t WHERE "
      "t.task_id = $1) FOR NO KEY UPDATE OF r"};
  pqxx::result rows = tx.Exec(kLockRun, {task_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  return PgText(rows[0][0]);
}

absl::StatusOr<std::string> RunVersion(PgTx& tx, const std::string& run_id) {
  static constexpr PgQuery kVersion{"task_run_version",
                                    "SELECT version FROM runs WHERE run_id = $1"};
  pqxx::result rows = tx.Exec(kVersion, {run_id});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
  return PgText(rows[0][0]);
}

// Corrections are written last, under a transaction-level advisory lock ("floc" and the
// schema) held until COMMIT: their seqs are therefore handed out in commit order, and the
// corrections fold, which reads them behind a seq cursor (quality/reviewed_cases.cc), cannot
// skip one that commits after a higher seq it has seen.
absl::Status InsertCorrections(PgTx& tx, const TaskResolution& resolution, const Task& task,
                               const std::string& version) {
  static constexpr PgQuery kInsert{
      "insert_correction",
      "INSERT INTO corrections (run_id, step_id, task_id, workflow, version, document_json, "
      "field, ai_value_json, ai_confidence, human_value_json, changed, by, at) VALUES ($1, $2, "
      "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"};
  static constexpr PgQuery kLockCorrections{
      "lock_corrections", "SELECT pg_advisory_xact_lock(1718382435, hashtext(current_schema()))"};
  if (resolution.corrections.empty()) return absl::OkStatus();
  tx.Exec(kLockCorrections);
  for (const NewCorrection& correction : resolution.corrections) {
    tx.Exec(kInsert,
            {task.run_id, resolution.correction_step_id, resolution.task_id, task.workflow, version,
             resolution.correction_document_json, correction.field, correction.ai_value_json,
             correction.ai_confidence, correction.human_value_json, correction.changed,
             resolution.user, resolution.now});
  }
  return absl::OkStatus();
}

absl::StatusOr<Task> ResolveLocked(PgTx& tx, const TaskResolution& resolution, const Task& task,
                                   const std::string& version) {
  if (resolution.first_of_two) {
    // The first of two decisions: kept, and the task goes back to its queue for someone else.
    ASSIGN_OR_RETURN(Task first,
                     UpdatedTask(tx.Exec(kResolveTaskFirst, {resolution.task_id, resolution.user,
                                                             resolution.resolution_json})));
    RETURN_IF_ERROR(AppendRecords(tx, task.run_id, version, resolution.records, resolution.now));
    return first;
  }
  ASSIGN_OR_RETURN(
      Task resolved,
      UpdatedTask(tx.Exec(kResolveTask, {resolution.task_id, resolution.user, resolution.now,
                                         resolution.decision, resolution.resolution_json})));
  // The step resumes with the resolution: ready now, claimable by any worker on any host.
  static constexpr PgQuery kResume{
      "resume_task_step",
      "UPDATE steps SET status = 'ready', available_at = $3, resume_json = $4 WHERE run_id = $1 "
      "AND step_id = $2 AND status = 'waiting' AND task_id = $5"};
  pqxx::result resumed = tx.Exec(kResume, {task.run_id, task.step_id, resolution.now,
                                           resolution.resolution_json, resolution.task_id});
  if (resumed.affected_rows() != 1) {
    return absl::InternalError(absl::StrCat("step ", task.step_id, " of run ", task.run_id,
                                            " is not waiting for task ", resolution.task_id));
  }
  tx.NotifyWork();
  RETURN_IF_ERROR(AppendRecords(tx, task.run_id, version, resolution.records, resolution.now));
  RETURN_IF_ERROR(InsertCorrections(tx, resolution, task, version));
  return resolved;
}

}  // namespace

absl::StatusOr<std::vector<Task>> PostgresStore::ListTasks(const TaskFilter& filter) {
  PgQueryBuilder sql("list_tasks", absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE "));
  if (filter.status.has_value()) {
    sql.Add("status = ?", {TaskStatusName(*filter.status)});
  } else {
    sql.Add("status IN ('open', 'claimed')");
  }
  if (!filter.queue.empty()) sql.Add(" AND queue = ?", {filter.queue});
  if (!filter.run_id.empty()) sql.Add(" AND run_id = ?", {filter.run_id});
  if (!filter.workflow.empty()) sql.Add(" AND workflow = ?", {filter.workflow});
  if (filter.due_before.has_value()) sql.Add(" AND due_at < ?", {*filter.due_before});
  sql.Add(" ORDER BY priority DESC, created_at, seq LIMIT ?", {PgLimit(filter.limit)});
  return pool_->Run<std::vector<Task>>(
      "ListTasks", [&](PgTx& tx) { return ReadTasks(tx.Exec(sql.query(), sql.params())); });
}

absl::StatusOr<Task> PostgresStore::GetTask(const std::string& task_id) {
  return pool_->Run<Task>("GetTask", [&](PgTx& tx) -> absl::StatusOr<Task> {
    pqxx::result rows = tx.Exec(kGetTask, {task_id});
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
    return ReadTask(rows[0]);
  });
}

absl::StatusOr<Task> PostgresStore::ClaimTask(const std::string& task_id, const std::string& user,
                                              absl::Time now, absl::Duration lease) {
  if (user.empty()) return absl::InvalidArgumentError("claiming a task needs a user");
  // A holder renewing their own live claim keeps when it began.
  return pool_->Run<Task>("ClaimTask", [&](PgTx& tx) -> absl::StatusOr<Task> {
    ASSIGN_OR_RETURN(Task task, LockTask(tx, task_id));
    RETURN_IF_ERROR(CheckTaskActionable(task_id, task.status, task.claimed_by,
                                        task.claim_expires_at, user, now));
    if (task.four_eyes && task.first_by == user) return FourEyesRefusal(task_id, user);
    return UpdatedTask(tx.Exec(kClaimTask, {task_id, user, now + lease, now}));
  });
}

absl::Status PostgresStore::ReleaseTask(const std::string& task_id, const std::string& user) {
  static constexpr PgQuery kRelease{
      "release_task",
      "UPDATE tasks SET status = 'open', claimed_by = '', claimed_at = NULL, "
      "claim_expires_at = NULL WHERE task_id = $1"};
  return pool_->Run("ReleaseTask", [&](PgTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(Task task, LockTask(tx, task_id));
    if (task.status != TaskStatus::kClaimed || task.claimed_by != user) {
      return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is not claimed by ",
                                                        user, ", so ", user, " cannot release it"));
    }
    tx.Exec(kRelease, {task_id});
    return absl::OkStatus();
  });
}

absl::StatusOr<Task> PostgresStore::ResolveTask(const TaskResolution& resolution) {
  if (resolution.user.empty()) return absl::InvalidArgumentError("resolving a task needs a user");
  return pool_->Run<Task>("ResolveTask", [&](PgTx& tx) -> absl::StatusOr<Task> {
    // The run's row first, as a step commit takes it (run, then its steps, then its tasks when
    // it finishes the run): a resolution and a commit of the same run take turns on it instead
    // of each holding what the other needs next (a deadlock, which PostgreSQL would break by
    // failing one of them).
    ASSIGN_OR_RETURN(std::string version, LockRunOfTask(tx, resolution.task_id));
    ASSIGN_OR_RETURN(Task task, LockTask(tx, resolution.task_id));
    RETURN_IF_ERROR(CheckTaskActionable(task.task_id, task.status, task.claimed_by,
                                        task.claim_expires_at, resolution.user, resolution.now));
    RETURN_IF_ERROR(CheckFourEyes(resolution, task.four_eyes, task.first_by));
    return ResolveLocked(tx, resolution, task, version);
  });
}

absl::StatusOr<std::vector<QueueCounts>> PostgresStore::CountTasks(absl::Time now) {
  // Queues in byte order (COLLATE "C"), as SQLite sorts them, whatever the database's locale.
  static constexpr PgQuery kCount{
      "count_tasks",
      "SELECT queue, count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = "
      "'claimed'), count(*) FILTER (WHERE due_at < $1) FROM tasks WHERE status IN ('open', "
      "'claimed') GROUP BY queue ORDER BY queue COLLATE \"C\""};
  return pool_->Run<std::vector<
      QueueCounts>>("CountTasks", [&](PgTx& tx) -> absl::StatusOr<std::vector<QueueCounts>> {
    std::vector<QueueCounts> counts;
    for (const pqxx::row& row : tx.Exec(kCount, {now})) {
      counts.push_back(QueueCounts{PgText(row[0]), PgInt(row[1]), PgInt(row[2]), PgInt(row[3])});
    }
    return counts;
  });
}

absl::StatusOr<std::vector<Task>> PostgresStore::ListOverdueTasks(absl::Time now, int limit) {
  return pool_->Run<std::vector<Task>>("ListOverdueTasks", [&](PgTx& tx) {
    return ReadTasks(tx.Exec(kListOverdueTasks, {now, PgLimit(limit)}));
  });
}

absl::StatusOr<Task> PostgresStore::EscalateTask(const TaskEscalation& escalation) {
  return pool_->Run<Task>("EscalateTask", [&](PgTx& tx) -> absl::StatusOr<Task> {
    // Locked: of several `serve` processes sweeping overdue tasks, one escalates and the others
    // find it escalated.
    ASSIGN_OR_RETURN(Task current, LockTask(tx, escalation.task_id));
    RETURN_IF_ERROR(CheckEscalation(current, escalation.now));
    ASSIGN_OR_RETURN(Task task,
                     UpdatedTask(tx.Exec(kEscalateTask, {escalation.task_id, escalation.now})));
    if (!task.notify_url.empty() && !escalation.notification_json.empty()) {
      InsertNotification(tx, task.notify_url, escalation.notification_json, escalation.now);
    }
    ASSIGN_OR_RETURN(std::string version, RunVersion(tx, task.run_id));
    RETURN_IF_ERROR(AppendRecords(tx, task.run_id, version, escalation.records, escalation.now));
    return task;
  });
}

absl::StatusOr<std::vector<Notification>> PostgresStore::ListDueNotifications(absl::Time now,
                                                                              int limit) {
  static constexpr PgQuery kSelect{
      "list_due_notifications",
      "SELECT seq, url, payload_json, attempts, next_attempt_at FROM notifications WHERE "
      "next_attempt_at <= $1 ORDER BY next_attempt_at, seq LIMIT $2"};
  return pool_->Run<std::vector<Notification>>(
      "ListDueNotifications", [&](PgTx& tx) -> absl::StatusOr<std::vector<Notification>> {
        std::vector<Notification> due;
        for (const pqxx::row& row : tx.Exec(kSelect, {now, PgLimit(limit)})) {
          due.push_back(Notification{PgInt(row[0]), PgText(row[1]), PgText(row[2]),
                                     static_cast<int>(PgInt(row[3])), PgTime(row[4])});
        }
        return due;
      });
}

absl::Status PostgresStore::FinishNotification(int64_t seq, bool delivered, absl::Time retry_at) {
  static constexpr PgQuery kDelete{"delete_notification",
                                   "DELETE FROM notifications WHERE seq = $1"};
  static constexpr PgQuery kRetry{
      "retry_notification",
      "UPDATE notifications SET attempts = attempts + 1, next_attempt_at = $2 WHERE seq = $1"};
  return pool_->Run("FinishNotification", [&](PgTx& tx) -> absl::Status {
    pqxx::result changed = delivered ? tx.Exec(kDelete, {seq}) : tx.Exec(kRetry, {seq, retry_at});
    if (changed.affected_rows() == 0) {
      return absl::NotFoundError(absl::StrCat("notification ", seq, " not found"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<Correction>> PostgresStore::ListCorrections(
    const CorrectionFilter& filter) {
  PgQueryBuilder sql("list_corrections",
                     "SELECT seq, run_id, step_id, task_id, workflow, version, document_json, "
                     "field, ai_value_json, ai_confidence, human_value_json, changed, by, at "
                     "FROM corrections WHERE ");
  sql.Add("seq > ?", {filter.after_seq});
  if (!filter.workflow.empty()) sql.Add(" AND workflow = ?", {filter.workflow});
  if (!filter.run_id.empty()) sql.Add(" AND run_id = ?", {filter.run_id});
  if (filter.changed_only) sql.Add(" AND changed");
  sql.Add(" ORDER BY seq LIMIT ?", {PgLimit(filter.limit)});
  return pool_->Run<std::vector<Correction>>(
      "ListCorrections", [&](PgTx& tx) -> absl::StatusOr<std::vector<Correction>> {
        std::vector<Correction> corrections;
        for (const pqxx::row& row : tx.Exec(sql.query(), sql.params())) {
          Correction c;
          c.seq = PgInt(row[0]);
          c.run_id = PgText(row[1]);
          c.step_id = PgText(row[2]);
          c.task_id = PgText(row[3]);
          c.workflow = PgText(row[4]);
          c.version = PgText(row[5]);
          c.document_json = PgText(row[6]);
          c.value.field = PgText(row[7]);
          c.value.ai_value_json = PgText(row[8]);
          c.value.ai_confidence = PgOptDouble(row[9]);
          c.value.human_value_json = PgText(row[10]);
          c.value.changed = PgBool(row[11]);
          c.by = PgText(row[12]);
          c.at = PgTime(row[13]);
          corrections.push_back(std::move(c));
        }
        return corrections;
      });
}

absl::StatusOr<std::vector<FeedRecord>> PostgresStore::ListRecordsAfter(
    const RecordFeedRequest& request) {
  // records.seq is commit-ordered (pg_chain.h: linkers take turns, each linking behind the
  // last): a reader behind this cursor misses nothing.
  PgQueryBuilder sql(
      "record_feed",
      "SELECT r.seq, r.run_id, r.step_id, r.kind, r.actor, r.payload_json, r.at, runs.workflow, "
      "runs.version, CASE WHEN r.kind = 'run.created' THEN runs.input_json ELSE '' END "
      "FROM records r JOIN runs ON runs.run_id = r.run_id WHERE ");
  sql.Add("r.seq > ? AND runs.mode = 'normal'", {request.after_seq});
  if (!request.kinds.empty()) sql.Add(" AND r.kind = ANY(?::text[])", {PgTextArray(request.kinds)});
  sql.Add(" ORDER BY r.seq LIMIT ?", {PgLimit(request.limit)});
  return pool_->Run<std::vector<FeedRecord>>(
      "ListRecordsAfter", [&](PgTx& tx) -> absl::StatusOr<std::vector<FeedRecord>> {
        std::vector<FeedRecord> feed;
        LinkPendingRecords(tx);
        for (const pqxx::row& row : tx.Exec(sql.query(), sql.params())) {
          FeedRecord fed;
          fed.record.seq = PgInt(row[0]);
          fed.record.run_id = PgText(row[1]);
          fed.record.step_id = PgText(row[2]);
          fed.record.kind = PgText(row[3]);
          fed.record.actor = PgText(row[4]);
          fed.record.payload_json = PgText(row[5]);
          fed.record.at = PgTime(row[6]);
          fed.workflow = PgText(row[7]);
          fed.version = PgText(row[8]);
          fed.run_input_json = PgText(row[9]);
          feed.push_back(std::move(fed));
        }
        return feed;
      });
}

}  // namespace flowline::store::postgres
