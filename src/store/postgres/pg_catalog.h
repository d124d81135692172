// Versions and workflows inside a transaction: what PutVersion and the release area
// (SetVersionStage) share.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "store/postgres/pg_tx.h"
#include "store/store.h"

namespace flowline::store::postgres {

// NotFound if there is no such version / workflow.
absl::StatusOr<VersionInfo> SelectVersion(PgTx& tx, const std::string& workflow,
                                          const std::string& version);
absl::StatusOr<WorkflowInfo> SelectWorkflow(PgTx& tx, const std::string& workflow,
                                            bool for_update = false);

// Moves a version to change.to (or makes it the canary) with the workflow's live/shadow/canary
// kept consistent, and appends change.records (last: the chain head lock). Returns the workflow
// after it. Errors as Store::SetVersionStage. Locks the workflow's row first, so concurrent
// stage changes of one workflow take turns.
absl::StatusOr<WorkflowInfo> ChangeVersionStage(PgTx& tx, const StageChange& change);

}  // namespace flowline::store::postgres
