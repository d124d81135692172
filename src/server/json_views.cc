#include "server/json_views.h"

#include "store/record_chain.h"

namespace flowline::server {

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

Json TimeOrNull(const std::optional<absl::Time>& time) {
  return time.has_value() ? Json(Rfc3339(*time)) : Json(nullptr);
}

Json StoredJson(const std::string& text) {
  if (text.empty()) return nullptr;
  absl::StatusOr<Json> parsed = common::ParseJson(text, "stored value");
  return parsed.ok() ? *std::move(parsed) : Json(text);
}

namespace {

Json EmptyAsNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

}  // namespace

Json RunSummaryJson(const store::Run& run) {
  return Json{{"run_id", run.run_id},
              {"workflow", run.workflow},
              {"version", run.version},
              {"business_key", EmptyAsNull(run.business_key)},
              {"status", store::RunStatusName(run.status)},
              {"error", EmptyAsNull(run.error)},
              {"created_at", Rfc3339(run.created_at)},
              {"updated_at", Rfc3339(run.updated_at)},
              {"finished_at", TimeOrNull(run.finished_at)},
              {"mode", store::RunModeName(run.mode)},
              {"live_run_id", EmptyAsNull(run.parent_run_id)}};
}

Json RunJson(const store::Run& run) {
  Json out = RunSummaryJson(run);
  out["input"] = StoredJson(run.input_json);
  out["output"] = StoredJson(run.output_json);
  return out;
}

Json StepJson(const store::StepState& step) {
  Json confidence = step.confidence.has_value() ? Json(*step.confidence) : Json(nullptr);
  return Json{{"step_id", step.step_id},
              {"status", store::StepStatusName(step.status)},
              {"attempt", step.attempt},
              {"started_at", TimeOrNull(step.started_at)},
              {"finished_at", TimeOrNull(step.finished_at)},
              {"available_at", TimeOrNull(step.available_at)},
              {"duration_ms", static_cast<double>(step.duration_us) / 1000.0},
              {"params", StoredJson(step.params_json)},
              {"output", StoredJson(step.output_json)},
              {"confidence", confidence},
              {"error", EmptyAsNull(step.error)},
              {"task_id", EmptyAsNull(step.task_id)}};
}

Json RecordJson(const store::Record& record) {
  return Json{{"seq", record.seq},
              {"step_id", EmptyAsNull(record.step_id)},
              {"kind", record.kind},
              {"actor", record.actor},
              {"at", Rfc3339(record.at)},
              {"payload", StoredJson(record.payload_json)},
              {"version", record.version},
              {"hash", store::HexBytes(record.hash)},
              {"prev_hash", store::HexBytes(record.prev_hash)}};
}

Json TaskJson(const store::Task& task) {
  return Json{{"task_id", task.task_id},
              {"run_id", task.run_id},
              {"step_id", task.step_id},
              {"workflow", task.workflow},
              {"queue", task.queue},
              {"title", task.title},
              {"priority", task.priority},
              {"status", store::TaskStatusName(task.status)},
              {"payload", StoredJson(task.payload_json)},
              {"created_at", Rfc3339(task.created_at)},
              {"due_at", TimeOrNull(task.due_at)},
              {"claimed_by", EmptyAsNull(task.claimed_by)},
              {"claimed_at", TimeOrNull(task.claimed_at)},
              {"claim_expires_at", TimeOrNull(task.claim_expires_at)},
              {"resolved_by", EmptyAsNull(task.resolved_by)},
              {"resolved_at", TimeOrNull(task.resolved_at)},
              {"decision", EmptyAsNull(task.decision)},
              {"resolution", StoredJson(task.resolution_json)},
              {"escalate_to", EmptyAsNull(task.escalate_to)},
              {"escalated_at", TimeOrNull(task.escalated_at)},
              {"four_eyes", task.four_eyes},
              {"first_decision_by", EmptyAsNull(task.first_by)},
              {"first_decision", StoredJson(task.first_decision_json)}};
}

Json VersionJson(const store::VersionInfo& version, bool live) {
  return Json{{"version", version.version},
              {"source_name", version.source_name},
              {"deployed_at", Rfc3339(version.deployed_at)},
              {"live", live},
              {"stage", store::VersionStageName(version.stage)}};
}

Json WorkflowJson(const store::WorkflowInfo& workflow) {
  return Json{
      {"workflow", workflow.workflow},
      {"live_version", workflow.live_version},
      {"updated_at", Rfc3339(workflow.updated_at)},
      {"paused", workflow.paused},
      {"paused_by", EmptyAsNull(workflow.paused_by)},
      {"paused_at", TimeOrNull(workflow.paused_at)},
      {"shadow_version", EmptyAsNull(workflow.shadow_version)},
      {"canary_version", EmptyAsNull(workflow.canary_version)},
      {"canary_share", workflow.canary_version.empty() ? Json() : Json(workflow.canary_share)}};
}

Json CorrectionJson(const store::Correction& correction) {
  return Json{
      {"seq", correction.seq},
      {"run_id", correction.run_id},
      {"step_id", correction.step_id},
      {"task_id", correction.task_id},
      {"workflow", correction.workflow},
      {"version", correction.version},
      {"document", StoredJson(correction.document_json)},
      {"field", correction.value.field},
      {"ai_value", StoredJson(correction.value.ai_value_json)},
      {"ai_confidence",
       correction.value.ai_confidence.has_value() ? Json(*correction.value.ai_confidence) : Json()},
      {"human_value", StoredJson(correction.value.human_value_json)},
      {"changed", correction.value.changed},
      {"by", correction.by},
      {"at", Rfc3339(correction.at)}};
}

Json TokenJson(const store::TokenInfo& token) {
  return Json{{"token_id", token.token_id},
              {"name", token.name},
              {"role", token.role},
              {"created_at", Rfc3339(token.created_at)},
              {"revoked", token.revoked}};
}

Json AlertJson(const store::Alert& alert) {
  return Json{{"alert_id", alert.alert_id},
              {"seq", alert.seq},
              {"workflow", alert.workflow},
              {"kind", alert.kind},
              {"subject", alert.subject},
              {"status", store::AlertStatusName(alert.status)},
              {"summary", alert.summary},
              {"detail", StoredJson(alert.detail_json)},
              {"opened_at", Rfc3339(alert.opened_at)},
              {"updated_at", Rfc3339(alert.updated_at)},
              {"occurrences", alert.occurrences},
              {"acknowledged_by", alert.acknowledged_by},
              {"acknowledged_at", TimeOrNull(alert.acknowledged_at)},
              {"resolved_by", alert.resolved_by},
              {"resolved_at", TimeOrNull(alert.resolved_at)},
              {"resolution", alert.resolution}};
}

}  // namespace flowline::server
