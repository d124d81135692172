// PostgresStore: stored evaluations (docs/evaluation.md). An evaluation id is stored once: the
// insert is conditional on the id, so two processes storing one id cannot both succeed.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

#define FLOWLINE_EVALUATION_COLUMNS                                                             \
  "evaluation_id, workflow, version, dataset, dataset_version, split, created_at, created_by, " \
  "summary_json"

constexpr PgQuery kPut{
    "evaluations_put",
    "INSERT INTO evaluations (evaluation_id, workflow, version, dataset, dataset_version, split, "
    "created_at, created_by, summary_json, report_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
    "$9, $10) ON CONFLICT (evaluation_id) DO NOTHING"};
constexpr PgQuery kGet{"evaluations_get", "SELECT " FLOWLINE_EVALUATION_COLUMNS
                                          ", report_json FROM evaluations "
                                          "WHERE evaluation_id = $1"};
// '' (and NOT $5) for any; $1 the limit (NULL for none).
constexpr PgQuery kList{"evaluations_list",
                        "SELECT " FLOWLINE_EVALUATION_COLUMNS
                        " FROM evaluations WHERE ($2 = '' OR workflow = $2) "
                        "AND ($3 = '' OR version = $3) AND ($4 = '' OR dataset = $4) AND "
                        "(NOT $5 OR dataset_version = $6::integer) AND ($7 = '' OR split = $7) "
                        "ORDER BY created_at DESC, seq DESC LIMIT $1"};

#undef FLOWLINE_EVALUATION_COLUMNS

EvaluationRow ReadEvaluation(const pqxx::row& row) {
  EvaluationRow evaluation;
  evaluation.evaluation_id = PgText(row[0]);
  evaluation.workflow = PgText(row[1]);
  evaluation.version = PgText(row[2]);
  evaluation.dataset = PgText(row[3]);
  evaluation.dataset_version = static_cast<int>(PgInt(row[4]));
  evaluation.split = PgText(row[5]);
  evaluation.created_at = PgTime(row[6]);
  evaluation.created_by = PgText(row[7]);
  evaluation.summary_json = PgText(row[8]);
  return evaluation;
}

}  // namespace

absl::Status PostgresStore::PutEvaluation(const EvaluationRow& evaluation) {
  if (evaluation.evaluation_id.empty() || evaluation.workflow.empty()) {
    return absl::InvalidArgumentError("an evaluation needs an id and a workflow");
  }
  return pool_->Run("PutEvaluation", [&](PgTx& tx) -> absl::Status {
    pqxx::result inserted =
        tx.Exec(kPut, {evaluation.evaluation_id, evaluation.workflow, evaluation.version,
                       evaluation.dataset, evaluation.dataset_version, evaluation.split,
                       evaluation.created_at, evaluation.created_by, evaluation.summary_json,
                       evaluation.report_json});
    if (inserted.affected_rows() == 0) {
      return absl::AlreadyExistsError(
          absl::StrCat("evaluation ", evaluation.evaluation_id, " is already stored"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<EvaluationRow> PostgresStore::GetEvaluation(const std::string& evaluation_id) {
  return pool_->Run<EvaluationRow>("GetEvaluation", [&](PgTx& tx) -> absl::StatusOr<EvaluationRow> {
    pqxx::result rows = tx.Exec(kGet, {evaluation_id});
    if (rows.empty()) {
      return absl::NotFoundError(absl::StrCat("no evaluation ", evaluation_id,
                                              " (`flowline eval list` lists the stored ones)"));
    }
    EvaluationRow evaluation = ReadEvaluation(rows[0]);
    evaluation.report_json = PgText(rows[0][9]);
    return evaluation;
  });
}

absl::StatusOr<std::vector<EvaluationRow>> PostgresStore::ListEvaluations(
    const EvaluationFilter& filter) {
  const std::optional<int64_t> limit = PgLimit(filter.limit);
  return pool_->Run<std::vector<EvaluationRow>>(
      "ListEvaluations", [&](PgTx& tx) -> absl::StatusOr<std::vector<EvaluationRow>> {
        pqxx::result rows = tx.Exec(kList, {limit, filter.workflow, filter.version, filter.dataset,
                                            filter.dataset_version.has_value(),
                                            filter.dataset_version.value_or(0), filter.split});
        std::vector<EvaluationRow> evaluations;
        evaluations.reserve(rows.size());
        for (const pqxx::row& row : rows) evaluations.push_back(ReadEvaluation(row));
        return evaluations;
      });
}

}  // namespace flowline::store::postgres
