// Row mapping of the SQLite store: the column lists of each table and the readers that turn a
// result row (selected with those columns, in that order) into a domain struct.
//
// Readers return DataLoss when a row holds a value this program cannot interpret (an unknown
// status name), which only a damaged or foreign database can contain.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

inline constexpr char kRunColumns[] =
    "run_id, workflow, version, business_key, status, input_json, output_json, error, "
    "created_at, updated_at, finished_at, mode, parent_run_id";
inline constexpr char kStepColumns[] =
    "run_id, step_id, status, attempt, deps_remaining, available_at, lease_owner, lease_token, "
    "lease_expires_at, params_json, output_json, confidence, error, resume_json, task_id, "
    "started_at, finished_at, duration_us";
inline constexpr char kTaskColumns[] =
    "task_id, run_id, step_id, workflow, queue, title, priority, status, payload_json, "
    "created_at, due_at, claimed_by, claim_expires_at, resolved_by, resolved_at, decision, "
    "resolution_json, escalate_to, notify_url, escalated_at, four_eyes, first_by, "
    "first_decision_json, claimed_at";
inline constexpr char kVersionColumns[] =
    "workflow, version, spec_source, source_name, deployed_at, stage";
inline constexpr char kWorkflowColumns[] =
    "workflow, live_version, updated_at, paused, paused_by, paused_at, shadow_version, "
    "canary_version, canary_share";
inline constexpr char kRecordColumns[] =
    "seq, run_id, step_id, version, kind, actor, payload_json, at, prev_hash, hash";
inline constexpr char kCheckpointColumns[] =
    "id, seq, hash, signed_at, reason, key_id, signature, cut";
inline constexpr char kMeasureColumns[] =
    "granularity, start, workflow, version, step, measure, label, count, sum";
inline constexpr char kTokenColumns[] =
    "token_id, name, role, token_hash, created_at, revoked, expires_at, session";
inline constexpr char kUserColumns[] = "name, role, password_hash, created_at, disabled";
inline constexpr char kCorrectionColumns[] =
    "seq, run_id, step_id, task_id, workflow, version, document_json, field, ai_value_json, "
    "ai_confidence, human_value_json, changed, by, at";

absl::StatusOr<Run> ReadRunRow(const Statement& row);
absl::StatusOr<StepState> ReadStepRow(const Statement& row);
absl::StatusOr<Task> ReadTaskRow(const Statement& row);
MeasureBucket ReadMeasureRow(const Statement& row);
VersionInfo ReadVersionRow(const Statement& row);
WorkflowInfo ReadWorkflowRow(const Statement& row);
Record ReadRecordRow(const Statement& row);
Checkpoint ReadCheckpointRow(const Statement& row);
TokenInfo ReadTokenRow(const Statement& row);
UserInfo ReadUserRow(const Statement& row);
Correction ReadCorrectionRow(const Statement& row);

// Collects every row of a prepared, bound statement.
template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> AllRows(StatementRef& stmt, ReadRow read_row) {
  std::vector<T> rows;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return rows;
    if constexpr (std::is_same_v<decltype(read_row(*stmt)), T>) {
      rows.push_back(read_row(*stmt));
    } else {
      ASSIGN_OR_RETURN(T value, read_row(*stmt));
      rows.push_back(std::move(value));
    }
  }
}

// A LIMIT value: a non-positive limit means no limit.
inline int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }

}  // namespace flowline::store::sqlite
