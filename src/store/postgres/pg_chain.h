// The decision record's hash chain on PostgreSQL, with many writers (docs/design/store.md, "The
// chain on PostgreSQL").
//
// The chain's newest link lives in one row, record_chain_head(id = 1, seq, hash). Appending is
// two-phase, so that no transaction holds a chain-wide lock across its own COMMIT:
//
//  1. AppendRecords, inside the writer's transaction, inserts the records into records_pending
//     (no lock: concurrent appends commit side by side and share WAL flushes);
//  2. after that transaction's COMMIT, PgPool::Run calls flowline_link_records() (migration 3),
//     one statement that takes the linkers' advisory lock, gives every committed pending record
//     seq = head + 1, ..., links each to the hash before it with the encoding of
//     store/record_chain.h (SHA-256 in the server), inserts them into records and moves the head.
//     Linkers take turns, so the chain cannot fork, seq has no gaps and records become visible
//     in seq order (a reader behind a seq cursor misses none). A linker links whatever is
//     pending, and a writer whose records the linker before it took returns without writing,
//     so one link and one WAL flush serve all the appends that committed meanwhile.
//
// A writer's call returns once its records are linked. If the link call fails (the connection
// broke after COMMIT), the records stay pending until the next link: every read of the chain
// links first (LinkPendingRecords), so no reader sees a committed change without its records.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/postgres/pg_tx.h"
#include "store/store.h"

namespace flowline::store::postgres {

// Appends `records` of run `run_id` (empty: records of no run) pinned to `version` at `at`:
// pending in `tx`, linked after its COMMIT. Nothing when `records` is empty.
absl::Status AppendRecords(PgTx& tx, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at);

// Links the committed pending records into the chain in `tx` (a read of the chain calls it
// first). Without pending records: one lock-free statement that writes nothing.
void LinkPendingRecords(PgTx& tx);

// The statement that links the pending records after an appending COMMIT (PgPool::Run), with
// the transaction's last batch as $1: it returns at once if an earlier linker took that batch.
inline constexpr char kLinkRecordsSql[] = "SELECT flowline_link_records($1)";

// The chain's head as committed (no lock).
absl::StatusOr<RecordChainHead> ReadChainHead(PgTx& tx);

}  // namespace flowline::store::postgres
