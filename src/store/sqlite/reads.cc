#include "store/sqlite/reads.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

// Runs `read` inside a read transaction: one consistent snapshot for several statements.
template <typename Read>
auto InSnapshot(Connection& db, Read read) -> decltype(read()) {
  {
    ASSIGN_OR_RETURN(auto begin, db.Prepare("BEGIN"));
    RETURN_IF_ERROR(begin->Run());
  }
  auto result = read();
  ASSIGN_OR_RETURN(auto end, db.Prepare("COMMIT"));
  RETURN_IF_ERROR(end->Run());
  return result;
}

}  // namespace

absl::StatusOr<VersionInfo> SelectVersion(Connection& db, const std::string& workflow,
                                          const std::string& version) {
  static const std::string kSql = absl::StrCat("SELECT ", kVersionColumns, " FROM versions ",
                                               "WHERE workflow = ?1 AND version = ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, workflow);
  stmt->Bind(2, version);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat("version ", version, " of workflow ", workflow, " not found"));
  }
  return ReadVersionRow(*stmt);
}

absl::StatusOr<WorkflowInfo> SelectWorkflow(Connection& db, const std::string& workflow) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kWorkflowColumns, " FROM workflows WHERE workflow = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, workflow);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("workflow ", workflow, " not found"));
  return ReadWorkflowRow(*stmt);
}

absl::StatusOr<std::vector<WorkflowInfo>> SelectWorkflows(Connection& db) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kWorkflowColumns, " FROM workflows ORDER BY workflow");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  return AllRows<WorkflowInfo>(stmt, ReadWorkflowRow);
}

absl::StatusOr<std::vector<VersionInfo>> SelectVersions(Connection& db,
                                                        const std::string& workflow) {
  static const std::string kSql = absl::StrCat("SELECT ", kVersionColumns, " FROM versions ",
                                               "WHERE workflow = ?1 ORDER BY seq DESC");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, workflow);
  return AllRows<VersionInfo>(stmt, ReadVersionRow);
}

absl::StatusOr<Run> SelectRun(Connection& db, const std::string& run_id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE run_id = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, run_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
  return ReadRunRow(*stmt);
}

absl::StatusOr<RunDetail> SelectRunDetail(Connection& db, const std::string& run_id) {
  return InSnapshot(db, [&]() -> absl::StatusOr<RunDetail> {
    RunDetail detail;
    ASSIGN_OR_RETURN(detail.run, SelectRun(db, run_id));
    static const std::string kSql = absl::StrCat("SELECT ", kStepColumns, " FROM steps ",
                                                 "WHERE run_id = ?1 ORDER BY position");
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
    stmt->Bind(1, run_id);
    ASSIGN_OR_RETURN(detail.steps, AllRows<StepState>(stmt, ReadStepRow));
    return detail;
  });
}

absl::StatusOr<std::vector<Run>> SelectRuns(Connection& db, const RunFilter& filter) {
  // One statement per combination of filters, so each keeps an index-friendly plan (and is
  // cached by the connection like any other).
  std::string sql = absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE 1");
  if (!filter.workflow.empty()) absl::StrAppend(&sql, " AND workflow = ?1");
  if (filter.status.has_value()) absl::StrAppend(&sql, " AND status = ?2");
  if (!filter.before_run_id.empty()) {
    absl::StrAppend(&sql, " AND seq < (SELECT seq FROM runs WHERE run_id = ?3)");
  }
  if (!filter.version_prefix.empty())
    absl::StrAppend(&sql, " AND substr(version, 1, length(?5)) = ?5");
  if (!filter.key_contains.empty()) {
    absl::StrAppend(&sql, " AND instr(lower(business_key), lower(?6)) > 0");
  }
  if (filter.created_from.has_value()) absl::StrAppend(&sql, " AND created_at >= ?7");
  if (filter.created_until.has_value()) absl::StrAppend(&sql, " AND created_at < ?8");
  if (filter.mode.has_value()) absl::StrAppend(&sql, " AND mode = ?9");
  if (filter.finished_only) absl::StrAppend(&sql, " AND status <> 'running'");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?4");
  if (!filter.before_run_id.empty()) {
    // A cursor that names no run would silently return nothing; say so instead.
    absl::StatusOr<Run> cursor = SelectRun(db, filter.before_run_id);
    if (absl::IsNotFound(cursor.status())) {
      return absl::InvalidArgumentError(
          absl::StrCat("before_run_id ", filter.before_run_id, " names no run"));
    }
    RETURN_IF_ERROR(cursor.status());
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  if (!filter.workflow.empty()) stmt->Bind(1, filter.workflow);
  if (filter.status.has_value()) stmt->Bind(2, RunStatusName(*filter.status));
  if (!filter.before_run_id.empty()) stmt->Bind(3, filter.before_run_id);
  stmt->Bind(4, SqlLimit(filter.limit));
  if (!filter.version_prefix.empty()) stmt->Bind(5, filter.version_prefix);
  if (!filter.key_contains.empty()) stmt->Bind(6, filter.key_contains);
  if (filter.created_from.has_value()) stmt->Bind(7, *filter.created_from);
  if (filter.created_until.has_value()) stmt->Bind(8, *filter.created_until);
  if (filter.mode.has_value()) stmt->Bind(9, RunModeName(*filter.mode));
  return AllRows<Run>(stmt, ReadRunRow);
}

absl::StatusOr<std::vector<Record>> SelectRecords(Connection& db, const std::string& run_id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kRecordColumns, " FROM records ", "WHERE run_id = ?1 ORDER BY seq");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, run_id);
  return AllRows<Record>(stmt, ReadRecordRow);
}

absl::StatusOr<std::vector<Task>> SelectTasks(Connection& db, const TaskFilter& filter) {
  std::string sql = absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE ");
  absl::StrAppend(&sql,
                  filter.status.has_value() ? "status = ?1" : "status IN ('open', 'claimed')");
  if (!filter.queue.empty()) absl::StrAppend(&sql, " AND queue = ?2");
  if (!filter.run_id.empty()) absl::StrAppend(&sql, " AND run_id = ?3");
  if (!filter.workflow.empty()) absl::StrAppend(&sql, " AND workflow = ?5");
  if (filter.due_before.has_value()) absl::StrAppend(&sql, " AND due_at < ?6");
  absl::StrAppend(&sql, " ORDER BY priority DESC, created_at, seq LIMIT ?4");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  if (filter.status.has_value()) stmt->Bind(1, TaskStatusName(*filter.status));
  if (!filter.queue.empty()) stmt->Bind(2, filter.queue);
  if (!filter.run_id.empty()) stmt->Bind(3, filter.run_id);
  stmt->Bind(4, SqlLimit(filter.limit));
  if (!filter.workflow.empty()) stmt->Bind(5, filter.workflow);
  if (filter.due_before.has_value()) stmt->Bind(6, *filter.due_before);
  return AllRows<Task>(stmt, ReadTaskRow);
}

absl::StatusOr<Task> SelectTask(Connection& db, const std::string& task_id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kTaskColumns, " FROM tasks WHERE task_id = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, task_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  return ReadTaskRow(*stmt);
}

absl::StatusOr<TokenInfo> SelectToken(Connection& db, const std::string& token_hash) {
  static const std::string kSql = absl::StrCat("SELECT ", kTokenColumns, " FROM tokens ",
                                               "WHERE token_hash = ?1 AND revoked = 0");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, token_hash);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  // The hash is a secret's digest: do not echo it into logs.
  if (!row) return absl::NotFoundError("no valid token has this hash");
  return ReadTokenRow(*stmt);
}

absl::StatusOr<std::vector<TokenInfo>> SelectTokens(Connection& db) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kTokenColumns, " FROM tokens ORDER BY created_at, token_id");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  return AllRows<TokenInfo>(stmt, ReadTokenRow);
}

absl::StatusOr<std::vector<QueueCounts>> SelectQueueCounts(Connection& db, absl::Time now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT queue, sum(status = 'open'), "
                                         "sum(status = 'claimed'), sum(due_at < ?1) FROM tasks "
                                         "WHERE status IN ('open', 'claimed') GROUP BY queue "
                                         "ORDER BY queue"));
  stmt->Bind(1, now);
  return AllRows<QueueCounts>(stmt, [](const Statement& row) {
    return QueueCounts{row.Text(0), row.Int(1), row.Int(2), row.Int(3)};
  });
}

absl::StatusOr<std::vector<Task>> SelectOverdueTasks(Connection& db, absl::Time now, int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kTaskColumns, " FROM tasks WHERE status IN ('open', 'claimed') AND ",
      "escalate_to <> '' AND escalated_at IS NULL AND due_at < ?1 ORDER BY due_at LIMIT ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, now);
  stmt->Bind(2, SqlLimit(limit));
  return AllRows<Task>(stmt, ReadTaskRow);
}

absl::StatusOr<std::vector<Notification>> SelectDueNotifications(Connection& db, absl::Time now,
                                                                 int limit) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT seq, url, payload_json, attempts, "
                                         "next_attempt_at FROM notifications WHERE "
                                         "next_attempt_at <= ?1 ORDER BY next_attempt_at, seq "
                                         "LIMIT ?2"));
  stmt->Bind(1, now);
  stmt->Bind(2, SqlLimit(limit));
  return AllRows<Notification>(stmt, [](const Statement& row) {
    return Notification{row.Int(0), row.Text(1), row.Text(2), static_cast<int>(row.Int(3)),
                        row.Time(4)};
  });
}

absl::StatusOr<std::vector<Correction>> SelectCorrections(Connection& db,
                                                          const CorrectionFilter& filter) {
  std::string sql = absl::StrCat("SELECT ", kCorrectionColumns, " FROM corrections WHERE seq > ?1");
  if (!filter.workflow.empty()) absl::StrAppend(&sql, " AND workflow = ?2");
  if (!filter.run_id.empty()) absl::StrAppend(&sql, " AND run_id = ?3");
  if (filter.changed_only) absl::StrAppend(&sql, " AND changed");
  absl::StrAppend(&sql, " ORDER BY seq LIMIT ?4");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, filter.after_seq);
  if (!filter.workflow.empty()) stmt->Bind(2, filter.workflow);
  if (!filter.run_id.empty()) stmt->Bind(3, filter.run_id);
  stmt->Bind(4, SqlLimit(filter.limit));
  return AllRows<Correction>(stmt, ReadCorrectionRow);
}

absl::StatusOr<UserInfo> SelectUser(Connection& db, const std::string& name) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE name = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, name);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("user ", name, " not found"));
  return ReadUserRow(*stmt);
}

absl::StatusOr<std::vector<UserInfo>> SelectUsers(Connection& db) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kUserColumns, " FROM users ORDER BY name");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  return AllRows<UserInfo>(stmt, ReadUserRow);
}

absl::StatusOr<std::optional<absl::Time>> SelectNextDueTime(Connection& db) {
  // Each is the first entry of a partial index (steps_due, steps_lease) whose run's workflow is
  // not paused: without a paused workflow that is the very first entry.
  ASSIGN_OR_RETURN(
      auto stmt,
      db.Prepare("SELECT (SELECT s.available_at FROM steps s WHERE s.status IN ('ready', "
                 "'waiting') AND s.available_at IS NOT NULL AND (SELECT workflow FROM runs r "
                 "WHERE r.run_id = s.run_id) NOT IN (SELECT workflow FROM workflows WHERE "
                 "paused) ORDER BY s.available_at LIMIT 1), "
                 "(SELECT s.lease_expires_at FROM steps s WHERE s.status = 'running' AND "
                 "(SELECT workflow FROM runs r WHERE r.run_id = s.run_id) NOT IN (SELECT "
                 "workflow FROM workflows WHERE paused) ORDER BY s.lease_expires_at LIMIT 1)"));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::nullopt;
  std::optional<absl::Time> due = stmt->OptionalTime(0);
  std::optional<absl::Time> lease_expiry = stmt->OptionalTime(1);
  if (!due.has_value()) return lease_expiry;
  if (!lease_expiry.has_value()) return due;
  return std::min(*due, *lease_expiry);
}

}  // namespace flowline::store::sqlite
