// What the SQLite store keeps for lifecycle/ (docs/evaluation.md): stored evaluations. Reads run
// on a pooled read connection, writes on the writer thread. Semantics as in store/store.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::Status InsertEvaluation(Connection& db, const EvaluationRow& evaluation);
absl::StatusOr<EvaluationRow> SelectEvaluation(Connection& db, const std::string& evaluation_id);
absl::StatusOr<std::vector<EvaluationRow>> SelectEvaluations(Connection& db,
                                                             const EvaluationFilter& filter);

}  // namespace flowline::store::sqlite
