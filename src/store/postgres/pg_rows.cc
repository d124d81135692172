#include "store/postgres/pg_rows.h"

#include "absl/strings/str_cat.h"
#include "store/postgres/pg_tx.h"

namespace flowline::store::postgres {
namespace {

absl::Status UnknownValue(const char* what, const std::string& value) {
  return absl::DataLossError(absl::StrCat("unknown ", what, " '", value, "' in the database"));
}

}  // namespace

absl::StatusOr<Run> ReadRunRow(const pqxx::row& row, int first) {
  auto at = [&](int i) { return row[first + i]; };
  Run run;
  run.run_id = PgText(at(0));
  run.workflow = PgText(at(1));
  run.version = PgText(at(2));
  run.business_key = PgText(at(3));
  std::string status = PgText(at(4));
  std::optional<RunStatus> parsed = ParseRunStatus(status);
  if (!parsed.has_value()) return UnknownValue("run status", status);
  run.status = *parsed;
  run.input_json = PgText(at(5));
  run.output_json = PgText(at(6));
  run.error = PgText(at(7));
  run.created_at = PgTime(at(8));
  run.updated_at = PgTime(at(9));
  run.finished_at = PgOptTime(at(10));
  std::string mode = PgText(at(11));
  std::optional<RunMode> parsed_mode = ParseRunMode(mode);
  if (!parsed_mode.has_value()) return UnknownValue("run mode", mode);
  run.mode = *parsed_mode;
  run.parent_run_id = PgText(at(12));
  return run;
}

absl::StatusOr<StepState> ReadStepRow(const pqxx::row& row, int first) {
  auto at = [&](int i) { return row[first + i]; };
  StepState step;
  step.run_id = PgText(at(0));
  step.step_id = PgText(at(1));
  std::string status = PgText(at(2));
  std::optional<StepStatus> parsed = ParseStepStatus(status);
  if (!parsed.has_value()) return UnknownValue("step status", status);
  step.status = *parsed;
  step.attempt = static_cast<int>(PgInt(at(3)));
  step.deps_remaining = static_cast<int>(PgInt(at(4)));
  step.available_at = PgOptTime(at(5));
  step.lease_owner = PgText(at(6));
  step.lease_token = PgText(at(7));
  step.lease_expires_at = PgOptTime(at(8));
  step.params_json = PgText(at(9));
  step.output_json = PgText(at(10));
  step.confidence = PgOptDouble(at(11));
  step.error = PgText(at(12));
  step.resume_json = PgText(at(13));
  step.task_id = PgText(at(14));
  step.started_at = PgOptTime(at(15));
  step.finished_at = PgOptTime(at(16));
  step.duration_us = PgInt(at(17));
  return step;
}

VersionInfo ReadVersionRow(const pqxx::row& row) {
  VersionInfo version;
  version.workflow = PgText(row[0]);
  version.version = PgText(row[1]);
  version.spec_source = PgText(row[2]);
  version.source_name = PgText(row[3]);
  version.deployed_at = PgTime(row[4]);
  // A stage this program does not know (a newer flowline's) reads as retired: never started on.
  version.stage = ParseVersionStage(PgText(row[5])).value_or(VersionStage::kRetired);
  return version;
}

WorkflowInfo ReadWorkflowRow(const pqxx::row& row) {
  WorkflowInfo workflow;
  workflow.workflow = PgText(row[0]);
  workflow.live_version = PgText(row[1]);
  workflow.updated_at = PgTime(row[2]);
  workflow.paused = PgBool(row[3]);
  workflow.paused_by = PgText(row[4]);
  workflow.paused_at = PgOptTime(row[5]);
  workflow.shadow_version = PgText(row[6]);
  workflow.canary_version = PgText(row[7]);
  workflow.canary_share = PgDouble(row[8]);
  return workflow;
}

Record ReadRecordRow(const pqxx::row& row) {
  Record record;
  record.seq = PgInt(row[0]);
  record.run_id = PgText(row[1]);
  record.step_id = PgText(row[2]);
  record.version = PgText(row[3]);
  record.kind = PgText(row[4]);
  record.actor = PgText(row[5]);
  record.payload_json = PgText(row[6]);
  record.at = PgTime(row[7]);
  record.prev_hash = PgByteaBytes(row[8]);
  record.hash = PgByteaBytes(row[9]);
  return record;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::optional<int64_t> PgLimit(int limit) {
  if (limit > 0) return limit;
  return std::nullopt;
}

}  // namespace flowline::store::postgres
