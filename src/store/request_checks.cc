#include "store/request_checks.h"

#include "absl/strings/str_cat.h"

namespace flowline::store {

absl::Status ValidateMeasureBatch(const MeasureBatch& batch) {
  if (batch.to_seq < batch.from_seq) {
    return absl::InvalidArgumentError(absl::StrCat("a measure batch cannot move the cursor back (",
                                                   batch.from_seq, " to ", batch.to_seq, ")"));
  }
  for (const MeasureBucket& delta : batch.deltas) {
    if (delta.workflow.empty() || delta.measure.empty()) {
      return absl::InvalidArgumentError("every measure delta needs a workflow and a measure");
    }
    if (delta.granularity_s < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("measure granularity ", delta.granularity_s, " is negative"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAlertRaise(const AlertRaise& raise) {
  if (raise.workflow.empty() || raise.kind.empty() || raise.subject.empty()) {
    return absl::InvalidArgumentError("an alert needs a workflow, a kind and a subject");
  }
  return absl::OkStatus();
}

absl::Status ValidateNewRun(const NewRun& run) {
  if (run.run_id.empty()) return absl::InvalidArgumentError("a new run needs a run_id");
  if (run.workflow.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("run ", run.run_id, " has no workflow"));
  }
  for (const NewStep& step : run.steps) {
    if (step.step_id.empty() || step.deps_remaining < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("run ", run.run_id, ": every step needs an id and a dependency count >= 0"));
    }
  }
  if (run.lease.has_value() && run.lease->owner.empty()) {
    return absl::InvalidArgumentError("an eager lease needs an owner");
  }
  return absl::OkStatus();
}

absl::Status ValidateStepCommit(const StepCommit& commit) {
  if (commit.run_id.empty() || commit.step_id.empty()) {
    return absl::InvalidArgumentError("a step commit needs a run_id and a step_id");
  }
  if (commit.resolution == StepResolution::kWaitTask &&
      (!commit.task.has_value() || commit.task->task_id.empty())) {
    return absl::InvalidArgumentError(absl::StrCat("step ", commit.step_id, " of run ",
                                                   commit.run_id,
                                                   " waits for a task but the commit has none"));
  }
  if (commit.finish.has_value() && commit.finish->status == RunStatus::kRunning) {
    return absl::InvalidArgumentError("a run cannot finish with status running");
  }
  if (commit.lease_next.has_value() && commit.lease_next->owner.empty()) {
    return absl::InvalidArgumentError("lease_next needs an owner");
  }
  return absl::OkStatus();
}

absl::Status ValidateTriggerStateKey(const std::string& workflow, const std::string& trigger_id) {
  if (workflow.empty() || trigger_id.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("trigger state needs a workflow and a trigger id (got workflow '", workflow,
                     "', trigger '", trigger_id, "')"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::store
