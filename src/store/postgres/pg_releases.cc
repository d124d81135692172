// PostgresStore: releases, shadow comparisons, the stop switch.
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_catalog.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_query_builder.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

constexpr char kComparisonColumns[] =
    "shadow_run_id, live_run_id, workflow, shadow_version, live_version, business_key, "
    "compared_at, agree, live_routing, shadow_routing, fields_json";
const std::string kPutComparisonSql = absl::StrCat(
    "INSERT INTO shadow_comparisons (", kComparisonColumns,
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (shadow_run_id) DO "
    "UPDATE SET compared_at = excluded.compared_at, agree = excluded.agree, "
    "live_routing = excluded.live_routing, shadow_routing = excluded.shadow_routing, "
    "fields_json = excluded.fields_json");
const std::string kUncomparedSql = absl::StrCat(
    "SELECT ", kRunColumns,
    " FROM runs WHERE workflow = $1 AND mode = 'shadow' AND status <> 'running' AND EXISTS "
    "(SELECT 1 FROM runs live WHERE live.run_id = runs.parent_run_id AND live.status <> "
    "'running') AND NOT EXISTS (SELECT 1 FROM shadow_comparisons c WHERE c.shadow_run_id = "
    "runs.run_id) ORDER BY seq LIMIT $2");
const std::string kPauseSql = absl::StrCat(
    "UPDATE workflows SET paused = $2, paused_by = $3, paused_at = $4 WHERE workflow = $1 "
    "RETURNING ",
    kWorkflowColumns);
const PgQuery kPutComparison{"put_shadow_comparison", kPutComparisonSql.c_str()};
const PgQuery kUncompared{"list_uncompared_shadow_runs", kUncomparedSql.c_str()};
const PgQuery kPause{"set_workflow_paused", kPauseSql.c_str()};

ShadowComparison ReadComparison(const pqxx::row& row) {
  ShadowComparison c;
  c.shadow_run_id = PgText(row[0]);
  c.live_run_id = PgText(row[1]);
  c.workflow = PgText(row[2]);
  c.shadow_version = PgText(row[3]);
  c.live_version = PgText(row[4]);
  c.business_key = PgText(row[5]);
  c.compared_at = PgTime(row[6]);
  c.agree = PgBool(row[7]);
  c.live_routing = PgText(row[8]);
  c.shadow_routing = PgText(row[9]);
  c.fields_json = PgText(row[10]);
  return c;
}

}  // namespace

absl::StatusOr<WorkflowInfo> PostgresStore::SetVersionStage(const StageChange& change) {
  return pool_->Run<WorkflowInfo>("SetVersionStage",
                                  [&](PgTx& tx) { return ChangeVersionStage(tx, change); });
}

absl::Status PostgresStore::PutShadowComparison(const ShadowComparison& c) {
  if (c.shadow_run_id.empty() || c.workflow.empty()) {
    return absl::InvalidArgumentError("a shadow comparison needs its shadow run and workflow");
  }
  return pool_->Run("PutShadowComparison", [&](PgTx& tx) {
    tx.Exec(kPutComparison, {c.shadow_run_id, c.live_run_id, c.workflow, c.shadow_version,
                             c.live_version, c.business_key, c.compared_at, c.agree, c.live_routing,
                             c.shadow_routing, c.fields_json});
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<ShadowComparison>> PostgresStore::ListShadowComparisons(
    const ShadowComparisonFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing shadow comparisons needs a workflow");
  }
  PgQueryBuilder sql("list_shadow_comparisons", absl::StrCat("SELECT ", kComparisonColumns,
                                                             " FROM shadow_comparisons WHERE "));
  sql.Add("workflow = ?", {filter.workflow});
  if (!filter.shadow_version.empty()) sql.Add(" AND shadow_version = ?", {filter.shadow_version});
  if (filter.disagreeing_only) sql.Add(" AND NOT agree");
  sql.Add(" ORDER BY seq DESC LIMIT ?", {PgLimit(filter.limit)});
  return pool_->Run<std::vector<ShadowComparison>>(
      "ListShadowComparisons", [&](PgTx& tx) -> absl::StatusOr<std::vector<ShadowComparison>> {
        std::vector<ShadowComparison> comparisons;
        for (const pqxx::row& row : tx.Exec(sql.query(), sql.params())) {
          comparisons.push_back(ReadComparison(row));
        }
        return comparisons;
      });
}

absl::StatusOr<std::vector<Run>> PostgresStore::ListUncomparedShadowRuns(
    const std::string& workflow, int limit) {
  return pool_->Run<std::vector<Run>>(
      "ListUncomparedShadowRuns", [&](PgTx& tx) -> absl::StatusOr<std::vector<Run>> {
        std::vector<Run> runs;
        for (const pqxx::row& row : tx.Exec(kUncompared, {workflow, PgLimit(limit)})) {
          ASSIGN_OR_RETURN(Run run, ReadRunRow(row));
          runs.push_back(std::move(run));
        }
        return runs;
      });
}

absl::StatusOr<WorkflowInfo> PostgresStore::SetWorkflowPaused(const std::string& workflow,
                                                              bool paused, const std::string& by,
                                                              absl::Time now) {
  return pool_->Run<WorkflowInfo>(
      "SetWorkflowPaused", [&](PgTx& tx) -> absl::StatusOr<WorkflowInfo> {
        pqxx::result rows =
            tx.Exec(kPause, {workflow, paused, paused ? by : std::string(),
                             paused ? std::optional<absl::Time>(now) : std::nullopt});
        if (rows.empty()) {
          return absl::NotFoundError(
              absl::StrCat("workflow ", workflow, " not found; deploy it before pausing it"));
        }
        // Resuming makes the workflow's due steps claimable again: wake idle workers.
        if (!paused) tx.NotifyWork();
        return ReadWorkflowRow(rows[0]);
      });
}

}  // namespace flowline::store::postgres
