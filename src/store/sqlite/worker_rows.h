// Worker heartbeats in the SQLite store: one row per process (worker_id), replaced by each
// heartbeat. Rows of processes gone quiet for longer than kForgetWorkersAfter are deleted by the
// next heartbeat, so restarts do not grow the table without end.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// How long a quiet process's heartbeat is kept (the conformance suite expects a day).
inline constexpr absl::Duration kForgetWorkersAfter = absl::Hours(24);

absl::Status UpsertWorkerHeartbeat(Connection& db, const WorkerHeartbeat& heartbeat);
absl::StatusOr<std::vector<WorkerHeartbeat>> SelectWorkers(Connection& db, absl::Time seen_since);

}  // namespace flowline::store::sqlite
