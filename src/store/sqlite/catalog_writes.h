// The write transactions on workflow versions and API tokens, run by the writer thread inside a
// request's savepoint. Semantics as documented in store/store.h.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// Stores a new version in version.stage (it enters as a draft and is moved there as
// ChangeVersionStage would); returns false (and changes nothing) if the (workflow, version) pair
// is already stored.
absl::StatusOr<bool> InsertVersion(Connection& db, const VersionInfo& version);

// AlreadyExists if a token with the same id exists.
absl::Status InsertToken(Connection& db, const TokenInfo& token);

// NotFound for an unknown id. Revoking a revoked token succeeds.
absl::Status RevokeTokenRow(Connection& db, const std::string& token_id);

absl::StatusOr<WorkflowInfo> UpdateWorkflowPaused(Connection& db, const std::string& workflow,
                                                  bool paused, const std::string& by,
                                                  absl::Time now);

absl::Status UpsertUser(Connection& db, const UserInfo& user);

}  // namespace flowline::store::sqlite
