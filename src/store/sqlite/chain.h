// The decision record's hash chain in the SQLite store: appending linked records, reading the
// chain in pages, signed checkpoints and retention cuts.
//
// The chain head is read inside the transaction that appends, never cached in memory: a batch or
// savepoint that rolls back takes its records with it, and so the next append links to whatever
// is committed (or pending in the same transaction) — no memory state to repair. It also keeps
// the chain whole when another process (a `flowline tasks resolve` beside `flowline serve`)
// appends to the same file: SQLite's write lock serialises them and each reads the head the
// other left. The head is the last row of the records b-tree, a few cached pages away.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// Appends decision records of `run_id` (pinned to `version`), stamped `at`, in order, each
// linked to the chain's head.
absl::Status AppendRecords(Connection& db, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at);

// The same for writes that do not have the run's version at hand (tasks): reads it first.
// NotFound for an unknown run.
absl::Status AppendRunRecords(Connection& db, const std::string& run_id,
                              const std::vector<NewRecord>& records, absl::Time at);

// The last record, else the last retention cut, else the empty chain.
absl::StatusOr<RecordChainHead> ReadChainHead(Connection& db);

absl::StatusOr<std::vector<Record>> SelectRecordPage(Connection& db, int64_t after_seq, int limit);

absl::StatusOr<int64_t> InsertCheckpoint(Connection& db, const Checkpoint& checkpoint);
absl::StatusOr<std::vector<Checkpoint>> SelectCheckpoints(Connection& db, int64_t after_id,
                                                          int limit);
absl::StatusOr<std::optional<Checkpoint>> SelectLatestCheckpoint(Connection& db);
absl::StatusOr<int64_t> CutRecords(Connection& db, const Checkpoint& cut);

// Links records written before the chain existed (schema migration 3), in seq order, each with
// its run's version. Runs inside the migration's transaction.
absl::Status ChainUnlinkedRecords(Connection& db);

}  // namespace flowline::store::sqlite
