// PostgresStore: evaluations.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::Status PostgresStore::PutEvaluation(const EvaluationRow& /*evaluation*/) {
  return absl::UnimplementedError("PostgresStore::PutEvaluation: not implemented yet");
}

absl::StatusOr<EvaluationRow> PostgresStore::GetEvaluation(const std::string& /*evaluation_id*/) {
  return absl::UnimplementedError("PostgresStore::GetEvaluation: not implemented yet");
}

absl::StatusOr<std::vector<EvaluationRow>> PostgresStore::ListEvaluations(
    const EvaluationFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListEvaluations: not implemented yet");
}

}  // namespace flowline::store::postgres
