#include "store/sqlite/rows.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace flowline::store::sqlite {
namespace {

absl::Status UnknownStatus(std::string_view table, const std::string& name) {
  return absl::DataLossError(
      absl::StrCat("unknown ", std::string(table), " status '", name, "' in the database"));
}

}  // namespace

absl::StatusOr<Run> ReadRunRow(const Statement& row) {
  Run run;
  run.run_id = row.Text(0);
  run.workflow = row.Text(1);
  run.version = row.Text(2);
  run.business_key = row.Text(3);
  std::string status = row.Text(4);
  std::optional<RunStatus> parsed = ParseRunStatus(status);
  if (!parsed.has_value()) return UnknownStatus("run", status);
  run.status = *parsed;
  run.input_json = row.Text(5);
  run.output_json = row.Text(6);
  run.error = row.Text(7);
  run.created_at = row.Time(8);
  run.updated_at = row.Time(9);
  run.finished_at = row.OptionalTime(10);
  std::string mode = row.Text(11);
  std::optional<RunMode> parsed_mode = ParseRunMode(mode);
  if (!parsed_mode.has_value()) {
    return absl::DataLossError(absl::StrCat("unknown run mode '", mode, "' in the database"));
  }
  run.mode = *parsed_mode;
  run.parent_run_id = row.Text(12);
  return run;
}

absl::StatusOr<StepState> ReadStepRow(const Statement& row) {
  StepState step;
  step.run_id = row.Text(0);
  step.step_id = row.Text(1);
  std::string status = row.Text(2);
  std::optional<StepStatus> parsed = ParseStepStatus(status);
  if (!parsed.has_value()) return UnknownStatus("step", status);
  step.status = *parsed;
  step.attempt = static_cast<int>(row.Int(3));
  step.deps_remaining = static_cast<int>(row.Int(4));
  step.available_at = row.OptionalTime(5);
  step.lease_owner = row.Text(6);
  step.lease_token = row.Text(7);
  step.lease_expires_at = row.OptionalTime(8);
  step.params_json = row.Text(9);
  step.output_json = row.Text(10);
  step.confidence = row.OptionalDouble(11);
  step.error = row.Text(12);
  step.resume_json = row.Text(13);
  step.task_id = row.Text(14);
  step.started_at = row.OptionalTime(15);
  step.finished_at = row.OptionalTime(16);
  step.duration_us = row.Int(17);
  return step;
}

absl::StatusOr<Task> ReadTaskRow(const Statement& row) {
  Task task;
  task.task_id = row.Text(0);
  task.run_id = row.Text(1);
  task.step_id = row.Text(2);
  task.workflow = row.Text(3);
  task.queue = row.Text(4);
  task.title = row.Text(5);
  task.priority = static_cast<int>(row.Int(6));
  std::string status = row.Text(7);
  std::optional<TaskStatus> parsed = ParseTaskStatus(status);
  if (!parsed.has_value()) return UnknownStatus("task", status);
  task.status = *parsed;
  task.payload_json = row.Text(8);
  task.created_at = row.Time(9);
  task.due_at = row.OptionalTime(10);
  task.claimed_by = row.Text(11);
  task.claim_expires_at = row.OptionalTime(12);
  task.resolved_by = row.Text(13);
  task.resolved_at = row.OptionalTime(14);
  task.decision = row.Text(15);
  task.resolution_json = row.Text(16);
  task.escalate_to = row.Text(17);
  task.notify_url = row.Text(18);
  task.escalated_at = row.OptionalTime(19);
  task.four_eyes = row.Int(20) != 0;
  task.first_by = row.Text(21);
  task.first_decision_json = row.Text(22);
  task.claimed_at = row.OptionalTime(23);
  return task;
}

MeasureBucket ReadMeasureRow(const Statement& row) {
  MeasureBucket bucket;
  bucket.granularity_s = row.Int(0);
  bucket.start = row.Time(1);
  bucket.workflow = row.Text(2);
  bucket.version = row.Text(3);
  bucket.step = row.Text(4);
  bucket.measure = row.Text(5);
  bucket.label = row.Text(6);
  bucket.count = row.Int(7);
  bucket.sum = row.Double(8);
  return bucket;
}

VersionInfo ReadVersionRow(const Statement& row) {
  VersionInfo version;
  version.workflow = row.Text(0);
  version.version = row.Text(1);
  version.spec_source = row.Text(2);
  version.source_name = row.Text(3);
  version.deployed_at = row.Time(4);
  // A stage this program does not know (a newer flowline's) reads as retired: never started on.
  version.stage = ParseVersionStage(row.Text(5)).value_or(VersionStage::kRetired);
  return version;
}

WorkflowInfo ReadWorkflowRow(const Statement& row) {
  WorkflowInfo workflow;
  workflow.workflow = row.Text(0);
  workflow.live_version = row.Text(1);
  workflow.updated_at = row.Time(2);
  workflow.paused = row.Int(3) != 0;
  workflow.paused_by = row.Text(4);
  workflow.paused_at = row.OptionalTime(5);
  workflow.shadow_version = row.Text(6);
  workflow.canary_version = row.Text(7);
  workflow.canary_share = row.Double(8);
  return workflow;
}

Record ReadRecordRow(const Statement& row) {
  Record record;
  record.seq = row.Int(0);
  record.run_id = row.Text(1);
  record.step_id = row.Text(2);
  record.version = row.Text(3);
  record.kind = row.Text(4);
  record.actor = row.Text(5);
  record.payload_json = row.Text(6);
  record.at = row.Time(7);
  record.prev_hash = row.Blob(8);
  record.hash = row.Blob(9);
  return record;
}

Checkpoint ReadCheckpointRow(const Statement& row) {
  Checkpoint checkpoint;
  checkpoint.id = row.Int(0);
  checkpoint.seq = row.Int(1);
  checkpoint.hash = row.Blob(2);
  checkpoint.signed_at = row.Time(3);
  checkpoint.reason = row.Text(4);
  checkpoint.key_id = row.Text(5);
  checkpoint.signature = row.Blob(6);
  checkpoint.cut = row.Int(7) != 0;
  return checkpoint;
}

TokenInfo ReadTokenRow(const Statement& row) {
  TokenInfo token;
  token.token_id = row.Text(0);
  token.name = row.Text(1);
  token.role = row.Text(2);
  token.token_hash = row.Text(3);
  token.created_at = row.Time(4);
  token.revoked = row.Int(5) != 0;
  token.expires_at = row.OptionalTime(6);
  token.session = row.Int(7) != 0;
  return token;
}

UserInfo ReadUserRow(const Statement& row) {
  UserInfo user;
  user.name = row.Text(0);
  user.role = row.Text(1);
  user.password_hash = row.Text(2);
  user.created_at = row.Time(3);
  user.disabled = row.Int(4) != 0;
  return user;
}

Correction ReadCorrectionRow(const Statement& row) {
  Correction correction;
  correction.seq = row.Int(0);
  correction.run_id = row.Text(1);
  correction.step_id = row.Text(2);
  correction.task_id = row.Text(3);
  correction.workflow = row.Text(4);
  correction.version = row.Text(5);
  correction.document_json = row.Text(6);
  correction.value.field = row.Text(7);
  correction.value.ai_value_json = row.Text(8);
  correction.value.ai_confidence = row.OptionalDouble(9);
  correction.value.human_value_json = row.Text(10);
  correction.value.changed = row.Int(11) != 0;
  correction.by = row.Text(12);
  correction.at = row.Time(13);
  return correction;
}

}  // namespace flowline::store::sqlite
