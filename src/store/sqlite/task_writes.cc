#include "store/sqlite/task_writes.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/run_writes.h"

namespace flowline::store::sqlite {
namespace {

struct TaskClaim {
  TaskStatus status;
  std::string claimed_by;
  std::optional<absl::Time> claim_expires_at;
  std::string run_id;
  std::string step_id;
};

absl::StatusOr<TaskClaim> ReadClaim(Connection& db, const std::string& task_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT status, claimed_by, claim_expires_at, run_id, "
                                         "step_id FROM tasks WHERE task_id = ?1"));
  stmt->Bind(1, task_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("task ", task_id, " not found"));
  std::optional<TaskStatus> status = ParseTaskStatus(stmt->Text(0));
  if (!status.has_value()) {
    return absl::DataLossError(absl::StrCat("task ", task_id, " has an unknown status"));
  }
  return TaskClaim{*status, stmt->Text(1), stmt->OptionalTime(2), stmt->Text(3), stmt->Text(4)};
}

// Whether `user` may act on the task at `now`: it is open, or claimed by `user`, or its claim
// has run out.
absl::Status CheckActionable(const std::string& task_id, const TaskClaim& claim,
                             const std::string& user, absl::Time now) {
  switch (claim.status) {
    case TaskStatus::kResolved:
      return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is already resolved"));
    case TaskStatus::kCancelled:
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task_id, " was cancelled because its run ended"));
    case TaskStatus::kClaimed:
      if (claim.claimed_by != user && claim.claim_expires_at.has_value() &&
          *claim.claim_expires_at > now) {
        return absl::FailedPreconditionError(
            absl::StrCat("task ", task_id, " is claimed by ", claim.claimed_by, " until ",
                         absl::FormatTime(*claim.claim_expires_at)));
      }
      return absl::OkStatus();
    case TaskStatus::kOpen:
      return absl::OkStatus();
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
  RETURN_IF_ERROR(CheckActionable(task_id, claim, user, now));
  static const std::string kSql =
      absl::StrCat("UPDATE tasks SET status = 'claimed', claimed_by = ?2, claim_expires_at = ?3 ",
                   "WHERE task_id = ?1 RETURNING ", kTaskColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, task_id);
  stmt->Bind(2, user);
  stmt->Bind(3, now + lease);
  return ReturnedTask(stmt);
}

absl::Status ReleaseTaskRow(Connection& db, const std::string& task_id, const std::string& user) {
  ASSIGN_OR_RETURN(TaskClaim claim, ReadClaim(db, task_id));
  if (claim.status != TaskStatus::kClaimed || claim.claimed_by != user) {
    return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is not claimed by ", user,
                                                      ", so ", user, " cannot release it"));
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE tasks SET status = 'open', claimed_by = '', "
                                         "claim_expires_at = NULL WHERE task_id = ?1"));
  stmt->Bind(1, task_id);
  return stmt->Run();
}

absl::StatusOr<Task> ResolveTaskRow(Connection& db, const TaskResolution& resolution) {
  if (resolution.user.empty()) return absl::InvalidArgumentError("resolving a task needs a user");
  ASSIGN_OR_RETURN(TaskClaim claim, ReadClaim(db, resolution.task_id));
  RETURN_IF_ERROR(CheckActionable(resolution.task_id, claim, resolution.user, resolution.now));
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
  RETURN_IF_ERROR(AppendRecords(db, claim.run_id, resolution.records, resolution.now));
  return task;
}

}  // namespace flowline::store::sqlite
