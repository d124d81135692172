#include "store/sqlite/task_writes.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/chain.h"
#include "store/sqlite/reads.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/run_writes.h"
#include "store/task_rules.h"

namespace flowline::store::sqlite {
namespace {

struct TaskClaim {
  TaskStatus status;
  std::string claimed_by;
  std::optional<absl::Time> claim_expires_at;
  std::string run_id;
  std::string step_id;
  bool four_eyes = false;
  std::string first_by;
  std::string workflow;
};

absl::StatusOr<TaskClaim> ReadClaim(Connection& db, const std::string& task_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT status, claimed_by, claim_expires_at, run_id, "
                                         "step_id, four_eyes, first_by, workflow FROM tasks "
                                         "WHERE task_id = ?1"));
  stmt->Bind(1, task_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  std::optional<TaskStatus> status = ParseTaskStatus(stmt->Text(0));
  if (!status.has_value()) {
    return absl::DataLossError(absl::StrCat("task ", task_id, " has an unknown status"));
  }
  return TaskClaim{*status,       stmt->Text(1),     stmt->OptionalTime(2), stmt->Text(3),
                   stmt->Text(4), stmt->Int(5) != 0, stmt->Text(6),         stmt->Text(7)};
}

absl::Status InsertCorrections(Connection& db, const TaskResolution& resolution,
                               const TaskClaim& claim) {
  if (resolution.corrections.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto version, db.Prepare("SELECT version FROM runs WHERE run_id = ?1"));
  version->Bind(1, claim.run_id);
  ASSIGN_OR_RETURN(bool found, version->Step());
  if (!found) return absl::NotFoundError(absl::StrCat("run ", claim.run_id, " not found"));
  const std::string run_version = version->Text(0);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO corrections (run_id, step_id, task_id, "
                                         "workflow, version, document_json, field, "
                                         "ai_value_json, ai_confidence, human_value_json, "
                                         "changed, by, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                                         "?8, ?9, ?10, ?11, ?12, ?13)"));
  for (const NewCorrection& correction : resolution.corrections) {
    stmt->Reset();
    stmt->Bind(1, claim.run_id);
    stmt->Bind(2, resolution.correction_step_id);
    stmt->Bind(3, resolution.task_id);
    stmt->Bind(4, claim.workflow);
    stmt->Bind(5, run_version);
    stmt->Bind(6, resolution.correction_document_json);
    stmt->Bind(7, correction.field);
    stmt->Bind(8, correction.ai_value_json);
    stmt->Bind(9, correction.ai_confidence);
    stmt->Bind(10, correction.human_value_json);
    stmt->Bind(11, correction.changed ? 1 : 0);
    stmt->Bind(12, resolution.user);
    stmt->Bind(13, resolution.now);
    RETURN_IF_ERROR(stmt->Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<Task> ReturnedTask(StatementRef& stmt) {
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::InternalError("a task row disappeared during an update");
  return ReadTaskRow(*stmt);
}

}  // namespace

absl::StatusOr<Task> ClaimTaskRow(Connection& db, const std::string& task_id,
                                  const std::string& user, absl::Time now, absl::Duration lease) {
  if (user.empty()) return absl::InvalidArgumentError("claiming a task needs a user");
  ASSIGN_OR_RETURN(TaskClaim claim, ReadClaim(db, task_id));
  RETURN_IF_ERROR(CheckTaskActionable(task_id, claim.status, claim.claimed_by,
                                      claim.claim_expires_at, user, now));
  if (claim.four_eyes && claim.first_by == user) return FourEyesRefusal(task_id, user);
  static const std::string kSql =
      absl::StrCat("UPDATE tasks SET claimed_at = CASE WHEN status = 'claimed' AND ",
                   "claimed_by = ?2 AND claim_expires_at > ?4 THEN coalesce(claimed_at, ?4) ",
                   "ELSE ?4 END, status = 'claimed', claimed_by = ?2, claim_expires_at = ?3 ",
                   "WHERE task_id = ?1 RETURNING ", kTaskColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, task_id);
  stmt->Bind(2, user);
  stmt->Bind(3, now + lease);
  stmt->Bind(4, now);
  return ReturnedTask(stmt);
}

absl::Status ReleaseTaskRow(Connection& db, const std::string& task_id, const std::string& user) {
  ASSIGN_OR_RETURN(TaskClaim claim, ReadClaim(db, task_id));
  if (claim.status != TaskStatus::kClaimed || claim.claimed_by != user) {
    return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is not claimed by ", user,
                                                      ", so ", user, " cannot release it"));
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE tasks SET status = 'open', claimed_by = '', "
                                         "claimed_at = NULL, claim_expires_at = NULL "
                                         "WHERE task_id = ?1"));
  stmt->Bind(1, task_id);
  return stmt->Run();
}

absl::StatusOr<Task> ResolveTaskRow(Connection& db, const TaskResolution& resolution) {
  if (resolution.user.empty()) return absl::InvalidArgumentError("resolving a task needs a user");
  ASSIGN_OR_RETURN(TaskClaim claim, ReadClaim(db, resolution.task_id));
  RETURN_IF_ERROR(CheckTaskActionable(resolution.task_id, claim.status, claim.claimed_by,
                                      claim.claim_expires_at, resolution.user, resolution.now));
  RETURN_IF_ERROR(CheckFourEyes(resolution, claim.four_eyes, claim.first_by));
  if (resolution.first_of_two) {
    // The first of two decisions: kept, and the task goes back to its queue for someone else.
    static const std::string kSql =
        absl::StrCat("UPDATE tasks SET status = 'open', claimed_by = '', claimed_at = NULL, ",
                     "claim_expires_at = NULL, first_by = ?2, first_decision_json = ?3 WHERE "
                     "task_id = ?1 RETURNING ",
                     kTaskColumns);
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
    stmt->Bind(1, resolution.task_id);
    stmt->Bind(2, resolution.user);
    stmt->Bind(3, resolution.resolution_json);
    ASSIGN_OR_RETURN(Task task, ReturnedTask(stmt));
    RETURN_IF_ERROR(AppendRunRecords(db, claim.run_id, resolution.records, resolution.now));
    return task;
  }
  Task task;
  {
    static const std::string kSql = absl::StrCat(
        "UPDATE tasks SET status = 'resolved', resolved_by = ?2, resolved_at = ?3, ",
        "decision = ?4, resolution_json = ?5 WHERE task_id = ?1 RETURNING ", kTaskColumns);
    ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
    stmt->Bind(1, resolution.task_id);
    stmt->Bind(2, resolution.user);
    stmt->Bind(3, resolution.now);
    stmt->Bind(4, resolution.decision);
    stmt->Bind(5, resolution.resolution_json);
    ASSIGN_OR_RETURN(task, ReturnedTask(stmt));
  }
  {
    // The step resumes with the resolution: ready now, claimable by any worker.
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE steps SET status = 'ready', "
                                           "available_at = ?3, resume_json = ?4 "
                                           "WHERE run_id = ?1 AND step_id = ?2 AND "
                                           "status = 'waiting' AND task_id = ?5"));
    stmt->Bind(1, claim.run_id);
    stmt->Bind(2, claim.step_id);
    stmt->Bind(3, resolution.now);
    stmt->Bind(4, resolution.resolution_json);
    stmt->Bind(5, resolution.task_id);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() != 1) {
      return absl::InternalError(absl::StrCat("step ", claim.step_id, " of run ", claim.run_id,
                                              " is not waiting for task ", resolution.task_id));
    }
  }
  RETURN_IF_ERROR(InsertCorrections(db, resolution, claim));
  RETURN_IF_ERROR(AppendRunRecords(db, claim.run_id, resolution.records, resolution.now));
  return task;
}

absl::StatusOr<Task> EscalateTaskRow(Connection& db, const TaskEscalation& escalation) {
  ASSIGN_OR_RETURN(Task current, SelectTask(db, escalation.task_id));
  RETURN_IF_ERROR(CheckEscalation(current, escalation.now));
  static const std::string kSql = absl::StrCat(
      "UPDATE tasks SET queue = escalate_to, escalated_at = ?2, status = 'open', ",
      "claimed_by = '', claimed_at = NULL, claim_expires_at = NULL WHERE task_id = ?1 RETURNING ",
      kTaskColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, escalation.task_id);
  stmt->Bind(2, escalation.now);
  ASSIGN_OR_RETURN(Task task, ReturnedTask(stmt));
  if (!task.notify_url.empty() && !escalation.notification_json.empty()) {
    RETURN_IF_ERROR(
        InsertNotification(db, task.notify_url, escalation.notification_json, escalation.now));
  }
  RETURN_IF_ERROR(AppendRunRecords(db, task.run_id, escalation.records, escalation.now));
  return task;
}

absl::Status InsertNotification(Connection& db, const std::string& url,
                                const std::string& payload_json, absl::Time now) {
  ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO notifications (url, payload_json, "
                                           "created_at, next_attempt_at) "
                                           "VALUES (?1, ?2, ?3, ?3)"));
  insert->Bind(1, url);
  insert->Bind(2, payload_json);
  insert->Bind(3, now);
  return insert->Run();
}

absl::Status FinishNotificationRow(Connection& db, int64_t seq, bool delivered,
                                   absl::Time retry_at) {
  ASSIGN_OR_RETURN(auto stmt,
                   db.Prepare(delivered ? "DELETE FROM notifications WHERE seq = ?1"
                                        : "UPDATE notifications SET attempts = attempts + 1, "
                                          "next_attempt_at = ?2 WHERE seq = ?1"));
  stmt->Bind(1, seq);
  if (!delivered) stmt->Bind(2, retry_at);
  RETURN_IF_ERROR(stmt->Run());
  if (stmt->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("notification ", seq, " not found"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::store::sqlite
