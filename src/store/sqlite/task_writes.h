// The write transactions on human tasks (claim, release, resolve), run by the writer thread
// inside a request's savepoint. Semantics as documented in store/store.h. Tasks are opened by
// CommitStep (step_commit.cc) and closed when their run ends.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::StatusOr<Task> ClaimTaskRow(Connection& db, const std::string& task_id,
                                  const std::string& user, absl::Time now, absl::Duration lease);

absl::Status ReleaseTaskRow(Connection& db, const std::string& task_id, const std::string& user);

absl::StatusOr<Task> ResolveTaskRow(Connection& db, const TaskResolution& resolution);

}  // namespace flowline::store::sqlite
