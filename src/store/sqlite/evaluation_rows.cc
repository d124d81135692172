// Stored evaluations of the SQLite store (docs/evaluation.md). Semantics in store/store.h.
#include "store/sqlite/evaluation_rows.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kListColumns[] =
    "evaluation_id, workflow, version, dataset, dataset_version, split, created_at, created_by, "
    "summary_json";

EvaluationRow ReadEvaluationRow(const Statement& row) {
  EvaluationRow evaluation;
  evaluation.evaluation_id = row.Text(0);
  evaluation.workflow = row.Text(1);
  evaluation.version = row.Text(2);
  evaluation.dataset = row.Text(3);
  evaluation.dataset_version = static_cast<int>(row.Int(4));
  evaluation.split = row.Text(5);
  evaluation.created_at = row.Time(6);
  evaluation.created_by = row.Text(7);
  evaluation.summary_json = row.Text(8);
  return evaluation;
}

}  // namespace

absl::Status InsertEvaluation(Connection& db, const EvaluationRow& evaluation) {
  if (evaluation.evaluation_id.empty() || evaluation.workflow.empty()) {
    return absl::InvalidArgumentError("an evaluation needs an id and a workflow");
  }
  ASSIGN_OR_RETURN(auto exists, db.Prepare("SELECT 1 FROM evaluations WHERE evaluation_id = ?1"));
  exists->Bind(1, evaluation.evaluation_id);
  ASSIGN_OR_RETURN(bool found, exists->Step());
  if (found) {
    return absl::AlreadyExistsError(
        absl::StrCat("evaluation ", evaluation.evaluation_id, " is already stored"));
  }
  ASSIGN_OR_RETURN(
      auto stmt,
      db.Prepare("INSERT INTO evaluations (evaluation_id, workflow, version, dataset, "
                 "dataset_version, split, created_at, created_by, summary_json, report_json) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  stmt->Bind(1, evaluation.evaluation_id);
  stmt->Bind(2, evaluation.workflow);
  stmt->Bind(3, evaluation.version);
  stmt->Bind(4, evaluation.dataset);
  stmt->Bind(5, evaluation.dataset_version);
  stmt->Bind(6, evaluation.split);
  stmt->Bind(7, evaluation.created_at);
  stmt->Bind(8, evaluation.created_by);
  stmt->Bind(9, evaluation.summary_json);
  stmt->Bind(10, evaluation.report_json);
  return stmt->Run();
}

absl::StatusOr<EvaluationRow> SelectEvaluation(Connection& db, const std::string& evaluation_id) {
  static const std::string kSql = absl::StrCat("SELECT ", kListColumns,
                                               ", report_json FROM evaluations "
                                               "WHERE evaluation_id = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, evaluation_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("no evaluation ", evaluation_id,
                                            " (`flowline eval list` lists the stored ones)"));
  }
  EvaluationRow evaluation = ReadEvaluationRow(*stmt);
  evaluation.report_json = stmt->Text(9);
  return evaluation;
}

absl::StatusOr<std::vector<EvaluationRow>> SelectEvaluations(Connection& db,
                                                             const EvaluationFilter& filter) {
  std::string sql = absl::StrCat("SELECT ", kListColumns, " FROM evaluations WHERE 1");
  if (!filter.workflow.empty()) absl::StrAppend(&sql, " AND workflow = ?2");
  if (!filter.version.empty()) absl::StrAppend(&sql, " AND version = ?3");
  if (!filter.dataset.empty()) absl::StrAppend(&sql, " AND dataset = ?4");
  if (filter.dataset_version.has_value()) absl::StrAppend(&sql, " AND dataset_version = ?5");
  if (!filter.split.empty()) absl::StrAppend(&sql, " AND split = ?6");
  absl::StrAppend(&sql, " ORDER BY created_at DESC, seq DESC LIMIT ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, SqlLimit(filter.limit));
  if (!filter.workflow.empty()) stmt->Bind(2, filter.workflow);
  if (!filter.version.empty()) stmt->Bind(3, filter.version);
  if (!filter.dataset.empty()) stmt->Bind(4, filter.dataset);
  if (filter.dataset_version.has_value()) stmt->Bind(5, *filter.dataset_version);
  if (!filter.split.empty()) stmt->Bind(6, filter.split);
  return AllRows<EvaluationRow>(stmt, ReadEvaluationRow);
}

}  // namespace flowline::store::sqlite
