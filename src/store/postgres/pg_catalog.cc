// PostgresStore: versions and workflows, and the stage changes that PutVersion and
// SetVersionStage share (the same rules as store/sqlite/release_rows.cc).
#include "store/postgres/pg_catalog.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_chain.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"
#include "store/stage_rules.h"

namespace flowline::store::postgres {
namespace {

const std::string kSelectVersionSql =
    absl::StrCat("SELECT ", kVersionColumns, " FROM versions WHERE workflow = $1 AND version = $2");
const std::string kSelectWorkflowSql =
    absl::StrCat("SELECT ", kWorkflowColumns, " FROM workflows WHERE workflow = $1");
const std::string kLockWorkflowSql = kSelectWorkflowSql + " FOR UPDATE";
// Byte order (COLLATE "C"), as SQLite sorts, whatever the database's locale.
const std::string kListWorkflowsSql =
    absl::StrCat("SELECT ", kWorkflowColumns, " FROM workflows ORDER BY workflow COLLATE \"C\"");
const std::string kListVersionsSql = absl::StrCat("SELECT ", kVersionColumns,
                                                  " FROM versions WHERE workflow = $1 "
                                                  "ORDER BY seq DESC");

constexpr PgQuery kSetStage{"catalog_set_stage",
                            "UPDATE versions SET stage = $3 WHERE workflow = $1 AND version = $2"};
constexpr PgQuery kSetReleases{"catalog_set_releases",
                               "UPDATE workflows SET live_version = $2, shadow_version = $3, "
                               "canary_version = $4, canary_share = $5, updated_at = $6 "
                               "WHERE workflow = $1"};
constexpr PgQuery kInsertVersion{"catalog_insert_version",
                                 "INSERT INTO versions (workflow, version, spec_source, "
                                 "source_name, deployed_at, stage) VALUES ($1, $2, $3, $4, $5, "
                                 "'draft') ON CONFLICT (workflow, version) DO NOTHING"};
constexpr PgQuery kInsertWorkflow{"catalog_insert_workflow",
                                  "INSERT INTO workflows (workflow, live_version, updated_at) "
                                  "VALUES ($1, '', $2) ON CONFLICT (workflow) DO NOTHING"};

}  // namespace

absl::StatusOr<VersionInfo> SelectVersion(PgTx& tx, const std::string& workflow,
                                          const std::string& version) {
  pqxx::result rows =
      tx.Exec(PgQuery{"catalog_select_version", kSelectVersionSql.c_str()}, {workflow, version});
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("version ", version, " of workflow ", workflow, " not found"));
  }
  return ReadVersionRow(rows[0]);
}

absl::StatusOr<WorkflowInfo> SelectWorkflow(PgTx& tx, const std::string& workflow,
                                            bool for_update) {
  pqxx::result rows =
      for_update
          ? tx.Exec(PgQuery{"catalog_lock_workflow", kLockWorkflowSql.c_str()}, {workflow})
          : tx.Exec(PgQuery{"catalog_select_workflow", kSelectWorkflowSql.c_str()}, {workflow});
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("workflow ", workflow, " not found"));
  return ReadWorkflowRow(rows[0]);
}

absl::StatusOr<WorkflowInfo> ChangeVersionStage(PgTx& tx, const StageChange& change) {
  // The workflow row first: concurrent changes of one workflow's stages take turns here.
  ASSIGN_OR_RETURN(WorkflowInfo workflow, SelectWorkflow(tx, change.workflow, /*for_update=*/true));
  ASSIGN_OR_RETURN(VersionInfo version, SelectVersion(tx, change.workflow, change.version));
  ASSIGN_OR_RETURN(StagePlan plan, PlanStageChange(change, version, std::move(workflow)));
  for (const auto& [changed, stage] : plan.stages) {
    tx.Exec(kSetStage, {change.workflow, changed, VersionStageName(stage)});
  }
  const WorkflowInfo& w = plan.workflow;
  tx.Exec(kSetReleases, {w.workflow, w.live_version, w.shadow_version, w.canary_version,
                         w.canary_share, change.now});
  plan.workflow.updated_at = change.now;
  RETURN_IF_ERROR(AppendRecords(tx, "", change.version, change.records, change.now));
  return plan.workflow;
}

absl::StatusOr<bool> PostgresStore::PutVersion(const VersionInfo& version) {
  if (version.workflow.empty() || version.version.empty()) {
    return absl::InvalidArgumentError("a version needs a workflow name and a version hash");
  }
  return pool_->Run<bool>("PutVersion", [&](PgTx& tx) -> absl::StatusOr<bool> {
    // The workflow row exists before the version (and is then locked by the stage change), so
    // two first deployments of one workflow at once do not race on creating it.
    tx.Exec(kInsertWorkflow, {version.workflow, version.deployed_at});
    pqxx::result inserted =
        tx.Exec(kInsertVersion, {version.workflow, version.version, version.spec_source,
                                 version.source_name, version.deployed_at});
    if (inserted.affected_rows() == 0) return false;
    // The new version enters its stage as a stage change would move it there.
    StageChange change;
    change.workflow = version.workflow;
    change.version = version.version;
    change.to = version.stage;
    change.now = version.deployed_at;
    RETURN_IF_ERROR(ChangeVersionStage(tx, change).status());
    return true;
  });
}

absl::StatusOr<VersionInfo> PostgresStore::GetVersion(const std::string& workflow,
                                                      const std::string& version) {
  return pool_->Run<VersionInfo>("GetVersion",
                                 [&](PgTx& tx) { return SelectVersion(tx, workflow, version); });
}

absl::StatusOr<WorkflowInfo> PostgresStore::GetWorkflow(const std::string& workflow) {
  return pool_->Run<WorkflowInfo>("GetWorkflow",
                                  [&](PgTx& tx) { return SelectWorkflow(tx, workflow); });
}

absl::StatusOr<std::vector<WorkflowInfo>> PostgresStore::ListWorkflows() {
  return pool_->Run<std::vector<WorkflowInfo>>(
      "ListWorkflows", [&](PgTx& tx) -> absl::StatusOr<std::vector<WorkflowInfo>> {
        std::vector<WorkflowInfo> out;
        for (const pqxx::row& row :
             tx.Exec(PgQuery{"catalog_list_workflows", kListWorkflowsSql.c_str()})) {
          out.push_back(ReadWorkflowRow(row));
        }
        return out;
      });
}

absl::StatusOr<std::vector<VersionInfo>> PostgresStore::ListVersions(const std::string& workflow) {
  return pool_->Run<std::vector<VersionInfo>>(
      "ListVersions", [&](PgTx& tx) -> absl::StatusOr<std::vector<VersionInfo>> {
        std::vector<VersionInfo> out;
        for (const pqxx::row& row :
             tx.Exec(PgQuery{"catalog_list_versions", kListVersionsSql.c_str()}, {workflow})) {
          out.push_back(ReadVersionRow(row));
        }
        return out;
      });
}

}  // namespace flowline::store::postgres
