#include "store/sqlite/release_rows.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/chain.h"
#include "store/sqlite/reads.h"
#include "store/sqlite/rows.h"
#include "store/stage_rules.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kComparisonColumns[] =
    "shadow_run_id, live_run_id, workflow, shadow_version, live_version, business_key, "
    "compared_at, agree, live_routing, shadow_routing, fields_json";

ShadowComparison ReadComparisonRow(const Statement& row) {
  ShadowComparison c;
  c.shadow_run_id = row.Text(0);
  c.live_run_id = row.Text(1);
  c.workflow = row.Text(2);
  c.shadow_version = row.Text(3);
  c.live_version = row.Text(4);
  c.business_key = row.Text(5);
  c.compared_at = row.Time(6);
  c.agree = row.Int(7) != 0;
  c.live_routing = row.Text(8);
  c.shadow_routing = row.Text(9);
  c.fields_json = row.Text(10);
  return c;
}

absl::Status SetStage(Connection& db, const std::string& workflow, const std::string& version,
                      VersionStage stage) {
  ASSIGN_OR_RETURN(
      auto stmt, db.Prepare("UPDATE versions SET stage = ?3 WHERE workflow = ?1 AND version = ?2"));
  stmt->Bind(1, workflow);
  stmt->Bind(2, version);
  stmt->Bind(3, VersionStageName(stage));
  return stmt->Run();
}

// Sets the workflow's live, shadow and canary columns as they are after the change.
absl::Status SetWorkflowReleases(Connection& db, const WorkflowInfo& w, absl::Time now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE workflows SET live_version = ?2, "
                                         "shadow_version = ?3, canary_version = ?4, "
                                         "canary_share = ?5, updated_at = ?6 WHERE workflow = ?1"));
  stmt->Bind(1, w.workflow);
  stmt->Bind(2, w.live_version);
  stmt->Bind(3, w.shadow_version);
  stmt->Bind(4, w.canary_version);
  stmt->Bind(5, w.canary_share);
  stmt->Bind(6, now);
  return stmt->Run();
}

}  // namespace

absl::StatusOr<WorkflowInfo> ChangeVersionStage(Connection& db, const StageChange& change) {
  ASSIGN_OR_RETURN(VersionInfo version, SelectVersion(db, change.workflow, change.version));
  ASSIGN_OR_RETURN(WorkflowInfo workflow, SelectWorkflow(db, change.workflow));
  ASSIGN_OR_RETURN(StagePlan plan, PlanStageChange(change, version, std::move(workflow)));
  for (const auto& [changed, stage] : plan.stages) {
    RETURN_IF_ERROR(SetStage(db, change.workflow, changed, stage));
  }
  RETURN_IF_ERROR(SetWorkflowReleases(db, plan.workflow, change.now));
  RETURN_IF_ERROR(AppendRecords(db, "", change.version, change.records, change.now));
  return SelectWorkflow(db, change.workflow);
}

absl::Status UpsertShadowComparison(Connection& db, const ShadowComparison& c) {
  if (c.shadow_run_id.empty() || c.workflow.empty()) {
    return absl::InvalidArgumentError("a shadow comparison needs its shadow run and workflow");
  }
  static const std::string kSql = absl::StrCat(
      "INSERT INTO shadow_comparisons (", kComparisonColumns,
      ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT (shadow_run_id) DO "
      "UPDATE SET compared_at = excluded.compared_at, agree = excluded.agree, "
      "live_routing = excluded.live_routing, shadow_routing = excluded.shadow_routing, "
      "fields_json = excluded.fields_json");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, c.shadow_run_id);
  stmt->Bind(2, c.live_run_id);
  stmt->Bind(3, c.workflow);
  stmt->Bind(4, c.shadow_version);
  stmt->Bind(5, c.live_version);
  stmt->Bind(6, c.business_key);
  stmt->Bind(7, c.compared_at);
  stmt->Bind(8, c.agree ? 1 : 0);
  stmt->Bind(9, c.live_routing);
  stmt->Bind(10, c.shadow_routing);
  stmt->Bind(11, c.fields_json);
  return stmt->Run();
}

absl::StatusOr<std::vector<ShadowComparison>> SelectShadowComparisons(
    Connection& db, const ShadowComparisonFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing shadow comparisons needs a workflow");
  }
  std::string sql =
      absl::StrCat("SELECT ", kComparisonColumns, " FROM shadow_comparisons WHERE workflow = ?1");
  if (!filter.shadow_version.empty()) absl::StrAppend(&sql, " AND shadow_version = ?2");
  if (filter.disagreeing_only) absl::StrAppend(&sql, " AND NOT agree");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?3");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, filter.workflow);
  if (!filter.shadow_version.empty()) stmt->Bind(2, filter.shadow_version);
  stmt->Bind(3, SqlLimit(filter.limit));
  return AllRows<ShadowComparison>(stmt, ReadComparisonRow);
}

absl::StatusOr<std::vector<Run>> SelectUncomparedShadowRuns(Connection& db,
                                                            const std::string& workflow,
                                                            int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kRunColumns,
      " FROM runs WHERE workflow = ?1 AND mode = 'shadow' AND status <> 'running' "
      "AND EXISTS (SELECT 1 FROM runs live WHERE live.run_id = runs.parent_run_id "
      "AND live.status <> 'running') "
      "AND NOT EXISTS (SELECT 1 FROM shadow_comparisons c WHERE c.shadow_run_id = runs.run_id) "
      "ORDER BY seq LIMIT ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, workflow);
  stmt->Bind(2, SqlLimit(limit));
  return AllRows<Run>(stmt, ReadRunRow);
}

}  // namespace flowline::store::sqlite
