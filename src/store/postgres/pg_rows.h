// Row mapping shared by the PostgresStore's area files: column lists in the order the readers
// expect, readers from a result row, and array parameters.
//
// The columns and their order are those of the SQLite store (store/sqlite/rows.h), so that the
// two stay easy to compare.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pqxx/pqxx"
#include "store/store.h"

namespace flowline::store::postgres {

inline constexpr char kRunColumns[] =
    "run_id, workflow, version, business_key, status, input_json, output_json, error, "
    "created_at, updated_at, finished_at, mode, parent_run_id";
inline constexpr int kRunColumnCount = 13;
inline constexpr char kStepColumns[] =
    "run_id, step_id, status, attempt, deps_remaining, available_at, lease_owner, lease_token, "
    "lease_expires_at, params_json, output_json, confidence, error, resume_json, task_id, "
    "started_at, finished_at, duration_us";
inline constexpr char kVersionColumns[] =
    "workflow, version, spec_source, source_name, deployed_at, stage";
inline constexpr char kWorkflowColumns[] =
    "workflow, live_version, updated_at, paused, paused_by, paused_at, shadow_version, "
    "canary_version, canary_share";
inline constexpr char kRecordColumns[] =
    "seq, run_id, step_id, version, kind, actor, payload_json, at, prev_hash, hash";

// Each reads its columns starting at `first` (a join puts several tables' columns in one row).
absl::StatusOr<Run> ReadRunRow(const pqxx::row& row, int first = 0);
absl::StatusOr<StepState> ReadStepRow(const pqxx::row& row, int first = 0);
VersionInfo ReadVersionRow(const pqxx::row& row);
WorkflowInfo ReadWorkflowRow(const pqxx::row& row);
Record ReadRecordRow(const pqxx::row& row);

// A text[] parameter in PostgreSQL's array input syntax: {"a","b\"c"}.
std::string PgTextArray(const std::vector<std::string>& values);

// A LIMIT parameter: `limit` if positive, else no limit (NULL).
std::optional<int64_t> PgLimit(int limit);

}  // namespace flowline::store::postgres
