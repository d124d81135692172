#include "store/run_rules.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace flowline::store {

std::string IdempotencyKey(const std::string& run_id, const std::string& step_id) {
  return absl::StrCat(run_id, "/", step_id);
}

ClaimedStep MakeClaim(const std::string& run_id, const std::string& workflow,
                      const std::string& version, const std::string& step_id, int attempt,
                      std::string token, absl::Time expires_at, std::string resume_json) {
  ClaimedStep claim;
  claim.run_id = run_id;
  claim.workflow = workflow;
  claim.version = version;
  claim.step_id = step_id;
  claim.attempt = attempt;
  claim.lease_token = std::move(token);
  claim.lease_expires_at = expires_at;
  claim.resume_json = std::move(resume_json);
  claim.idempotency_key = IdempotencyKey(run_id, step_id);
  return claim;
}

StepUpdate PlanStepUpdate(const StepCommit& commit, bool run_open) {
  StepUpdate update;
  switch (commit.resolution) {
    case StepResolution::kCompleted:
    case StepResolution::kSkipped:
      update.status = commit.resolution == StepResolution::kCompleted ? "completed" : "skipped";
      update.set_output = true;
      update.finished_at = commit.now;
      return update;
    case StepResolution::kFailed:
      update.status = "failed";
      update.finished_at = commit.now;
      return update;
    case StepResolution::kRetry:
      update.status = "ready";
      update.available_at = commit.retry_at;
      break;
    case StepResolution::kWaitTimer:
      update.status = "waiting";
      update.available_at = commit.retry_at;
      update.set_resume = true;
      break;
    case StepResolution::kWaitTask:
      update.status = "waiting";
      update.task_id = commit.task->task_id;
      break;
  }
  if (!run_open) {
    update.status = "cancelled";
    update.available_at.reset();
    update.task_id.clear();
  }
  return update;
}

DependentStart PlanDependentStart(const StepCommit& commit, bool workflow_paused) {
  DependentStart start;
  // A paused workflow's steps become ready but are not leased: claims pass them by until it is
  // resumed.
  start.lease = commit.lease_next.has_value() && !workflow_paused;
  if (commit.finish.has_value()) {
    start.status = "pending";
  } else if (start.lease) {
    start.status = "running";
  }
  start.lease_expires_at = start.lease ? commit.now + commit.lease_next->duration : commit.now;
  return start;
}

absl::Status CheckRunCanFinish(const StepCommit& commit, bool end_reached) {
  const bool completing =
      commit.finish.has_value() && commit.finish->status == RunStatus::kCompleted;
  if (completing && !end_reached && commit.step_id != kEndStepId) {
    return absl::InternalError(
        absl::StrCat("run ", commit.run_id, " cannot complete in the commit of step ",
                     commit.step_id, ": step ", kEndStepId, " still waits for other steps"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::store
