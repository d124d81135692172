// PostgresStore: releases, shadow comparisons, the stop switch.
#include "store/postgres/pg_catalog.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<WorkflowInfo> PostgresStore::SetVersionStage(const StageChange& change) {
  return pool_->Run<WorkflowInfo>("SetVersionStage",
                                  [&](PgTx& tx) { return ChangeVersionStage(tx, change); });
}

absl::Status PostgresStore::PutShadowComparison(const ShadowComparison& /*comparison*/) {
  return absl::UnimplementedError("PostgresStore::PutShadowComparison: not implemented yet");
}

absl::StatusOr<std::vector<ShadowComparison>> PostgresStore::ListShadowComparisons(
    const ShadowComparisonFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListShadowComparisons: not implemented yet");
}

absl::StatusOr<std::vector<Run>> PostgresStore::ListUncomparedShadowRuns(
    const std::string& /*workflow*/, int /*limit*/) {
  return absl::UnimplementedError("PostgresStore::ListUncomparedShadowRuns: not implemented yet");
}

absl::StatusOr<WorkflowInfo> PostgresStore::SetWorkflowPaused(const std::string& /*workflow*/,
                                                              bool /*paused*/,
                                                              const std::string& /*by*/,
                                                              absl::Time /*now*/) {
  return absl::UnimplementedError("PostgresStore::SetWorkflowPaused: not implemented yet");
}

}  // namespace flowline::store::postgres
