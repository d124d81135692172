// What the SQLite store keeps for releases (docs/releases.md): version stages, the shadow and
// canary of a workflow, and the shadow's comparisons with live. Writes run on the writer thread
// inside a request's savepoint, reads on a pooled read connection. Semantics as documented in
// store/store.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::StatusOr<WorkflowInfo> ChangeVersionStage(Connection& db, const StageChange& change);

absl::Status UpsertShadowComparison(Connection& db, const ShadowComparison& comparison);
// Newest first.
absl::StatusOr<std::vector<ShadowComparison>> SelectShadowComparisons(
    Connection& db, const ShadowComparisonFilter& filter);
absl::StatusOr<std::vector<Run>> SelectUncomparedShadowRuns(Connection& db,
                                                            const std::string& workflow, int limit);

}  // namespace flowline::store::sqlite
