#include "store/task_rules.h"

#include "absl/strings/str_cat.h"

namespace flowline::store {

absl::Status CheckTaskActionable(const std::string& task_id, TaskStatus status,
                                 const std::string& claimed_by,
                                 std::optional<absl::Time> claim_expires_at,
                                 const std::string& user, absl::Time now) {
  switch (status) {
    case TaskStatus::kResolved:
      return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is already resolved"));
    case TaskStatus::kCancelled:
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task_id, " was cancelled because its run ended"));
    case TaskStatus::kClaimed:
      if (claimed_by != user && claim_expires_at.has_value() && *claim_expires_at > now) {
        return absl::FailedPreconditionError(absl::StrCat("task ", task_id, " is claimed by ",
                                                          claimed_by, " until ",
                                                          absl::FormatTime(*claim_expires_at)));
      }
      return absl::OkStatus();
    case TaskStatus::kOpen:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status FourEyesRefusal(const std::string& task_id, const std::string& user) {
  return absl::FailedPreconditionError(
      absl::StrCat("task ", task_id, " needs four eyes: ", user,
                   " made its first decision, so a different person must make the second"));
}

absl::Status CheckFourEyes(const TaskResolution& resolution, bool four_eyes,
                           const std::string& first_by) {
  if (resolution.expected_first_by.has_value() && *resolution.expected_first_by != first_by) {
    return absl::FailedPreconditionError(absl::StrCat(
        "task ", resolution.task_id, " was decided by ", first_by.empty() ? "nobody" : first_by,
        " in the meantime; ", "reload it and decide again"));
  }
  if (!four_eyes) {
    if (resolution.first_of_two) {
      return absl::InvalidArgumentError(
          absl::StrCat("task ", resolution.task_id, " does not need a second person"));
    }
    return absl::OkStatus();
  }
  if (!first_by.empty() && first_by == resolution.user) {
    return FourEyesRefusal(resolution.task_id, resolution.user);
  }
  return absl::OkStatus();
}

absl::Status CheckEscalation(const Task& task, absl::Time now) {
  if (task.status != TaskStatus::kOpen && task.status != TaskStatus::kClaimed) {
    return absl::FailedPreconditionError(absl::StrCat("task ", task.task_id, " is ",
                                                      TaskStatusName(task.status),
                                                      "; only an unresolved task is escalated"));
  }
  if (task.escalate_to.empty() || task.escalated_at.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", task.task_id, " has no escalation ahead of it"));
  }
  if (!task.due_at.has_value() || *task.due_at >= now) {
    return absl::FailedPreconditionError(
        absl::StrCat("task ", task.task_id, " is not past its due time"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::store
