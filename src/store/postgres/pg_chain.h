// The decision record's hash chain on PostgreSQL, with many writers (docs/design/store.md).
//
// The chain's newest link lives in one row, record_chain_head(id = 1, seq, hash). AppendRecords
// locks that row (FOR UPDATE), gives the records seq = head + 1, ..., links each to the hash
// before it (store/record_chain.h, the same encoding as every store) and moves the head, so
// concurrent appenders take turns on the row and extend one chain: it cannot fork, and seq has
// no gaps (no sequence object, whose values a rollback would lose). The lock is held until
// COMMIT, so records also become visible in seq order (a reader behind a seq cursor misses
// none).
//
// To hold the lock as briefly as possible, AppendRecords must be the LAST statement of its
// transaction: every other write comes before it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/postgres/pg_tx.h"
#include "store/store.h"

namespace flowline::store::postgres {

// Appends `records` of run `run_id` (empty: records of no run) pinned to `version` at `at`.
// Nothing (no lock either) when `records` is empty.
absl::Status AppendRecords(PgTx& tx, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at);

// The chain's head as committed (no lock).
absl::StatusOr<RecordChainHead> ReadChainHead(PgTx& tx);

}  // namespace flowline::store::postgres
