// Row mapping of the SQLite store: the column lists of each table and the readers that turn a
// result row (selected with those columns, in that order) into a domain struct.
//
// Readers return DataLoss when a row holds a value this program cannot interpret (an unknown
// status name), which only a damaged or foreign database can contain.
#pragma once

#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

inline constexpr char kRunColumns[] =
    "run_id, workflow, version, business_key, status, input_json, output_json, error, "
    "created_at, updated_at, finished_at";
inline constexpr char kStepColumns[] =
    "run_id, step_id, status, attempt, deps_remaining, available_at, lease_owner, lease_token, "
    "lease_expires_at, params_json, output_json, confidence, error, resume_json, task_id, "
    "started_at, finished_at, duration_us";
inline constexpr char kTaskColumns[] =
    "task_id, run_id, step_id, workflow, queue, title, priority, status, payload_json, "
    "created_at, due_at, claimed_by, claim_expires_at, resolved_by, resolved_at, decision, "
    "resolution_json, escalate_to, notify_url, escalated_at, four_eyes, first_by, "
    "first_decision_json";
inline constexpr char kVersionColumns[] =
    "workflow, version, spec_source, source_name, deployed_at";
inline constexpr char kWorkflowColumns[] =
    "workflow, live_version, updated_at, paused, paused_by, paused_at";
inline constexpr char kRecordColumns[] = "seq, run_id, step_id, kind, actor, payload_json, at";
inline constexpr char kTokenColumns[] =
    "token_id, name, role, token_hash, created_at, revoked, expires_at, session";
inline constexpr char kUserColumns[] = "name, role, password_hash, created_at, disabled";
inline constexpr char kCorrectionColumns[] =
    "seq, run_id, step_id, task_id, workflow, version, document_json, field, ai_value_json, "
    "ai_confidence, human_value_json, changed, by, at";

absl::StatusOr<Run> ReadRunRow(const Statement& row);
absl::StatusOr<StepState> ReadStepRow(const Statement& row);
absl::StatusOr<Task> ReadTaskRow(const Statement& row);
VersionInfo ReadVersionRow(const Statement& row);
WorkflowInfo ReadWorkflowRow(const Statement& row);
Record ReadRecordRow(const Statement& row);
TokenInfo ReadTokenRow(const Statement& row);
UserInfo ReadUserRow(const Statement& row);
Correction ReadCorrectionRow(const Statement& row);

}  // namespace flowline::store::sqlite
