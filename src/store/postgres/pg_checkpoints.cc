// PostgresStore: checkpoints and retention.
//
// AddCheckpoint and PruneRecords take one transaction-level advisory lock (per schema), so the
// checkpoints of several `serve` processes and a retention cut take turns: a checkpoint cannot
// name a record that a concurrent cut is removing, and checkpoint ids are handed out in commit
// order (LatestCheckpoint is the one committed last). Appends to the chain do not take it: a
// cut removes old records only, and the chain head (record_chain_head) is left as it is.
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/pg_tx.h"
#include "store/postgres/postgres_store.h"
#include "store/record_chain.h"

namespace flowline::store::postgres {
namespace {

constexpr char kCheckpointColumns[] = "id, seq, hash, signed_at, reason, key_id, signature, cut";
const std::string kListCheckpointsSql = absl::StrCat(
    "SELECT ", kCheckpointColumns, " FROM checkpoints WHERE id > $1 ORDER BY id LIMIT $2");
const PgQuery kListCheckpoints{"list_checkpoints", kListCheckpointsSql.c_str()};
const std::string kLatestCheckpointSql =
    absl::StrCat("SELECT ", kCheckpointColumns, " FROM checkpoints ORDER BY id DESC LIMIT 1");
const PgQuery kLatestCheckpoint{"latest_checkpoint", kLatestCheckpointSql.c_str()};

Checkpoint ReadCheckpoint(const pqxx::row& row) {
  Checkpoint checkpoint;
  checkpoint.id = PgInt(row[0]);
  checkpoint.seq = PgInt(row[1]);
  checkpoint.hash = PgByteaBytes(row[2]);
  checkpoint.signed_at = PgTime(row[3]);
  checkpoint.reason = PgText(row[4]);
  checkpoint.key_id = PgText(row[5]);
  checkpoint.signature = PgByteaBytes(row[6]);
  checkpoint.cut = PgBool(row[7]);
  return checkpoint;
}

void LockCheckpoints(PgTx& tx) {
  // Keys: "flox" and the schema, so tests on their own schemas do not wait for each other.
  static constexpr PgQuery kLock{
      "lock_checkpoints", "SELECT pg_advisory_xact_lock(1718382456, hashtext(current_schema()))"};
  tx.Exec(kLock);
}

// A checkpoint must name a record that is in the chain with exactly that hash: the signer read
// the head, and nothing may have replaced it since.
absl::Status CheckCovers(PgTx& tx, const Checkpoint& checkpoint) {
  static constexpr PgQuery kHash{"checkpoint_record_hash",
                                 "SELECT hash FROM records WHERE seq = $1"};
  pqxx::result rows = tx.Exec(kHash, {checkpoint.seq});
  if (rows.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("a checkpoint of record ", checkpoint.seq, ": there is no such record"));
  }
  const std::string hash = PgByteaBytes(rows[0][0]);
  if (hash != checkpoint.hash) {
    return absl::FailedPreconditionError(
        absl::StrCat("a checkpoint of record ", checkpoint.seq, ": its hash ",
                     HexBytes(checkpoint.hash), " is not the record's (", HexBytes(hash), ")"));
  }
  return absl::OkStatus();
}

int64_t InsertCheckpointRow(PgTx& tx, const Checkpoint& checkpoint) {
  static constexpr PgQuery kInsert{
      "insert_checkpoint",
      "INSERT INTO checkpoints (seq, hash, signed_at, reason, key_id, signature, cut) VALUES "
      "($1, $2, $3, $4, $5, $6, $7) RETURNING id"};
  pqxx::result rows = tx.Exec(
      kInsert, {checkpoint.seq, PgBytes{checkpoint.hash}, checkpoint.signed_at, checkpoint.reason,
                checkpoint.key_id, PgBytes{checkpoint.signature}, checkpoint.cut});
  return PgInt(rows[0][0]);
}

}  // namespace

absl::StatusOr<int64_t> PostgresStore::AddCheckpoint(const Checkpoint& checkpoint) {
  if (checkpoint.cut) {
    return absl::InvalidArgumentError("a retention cut is made by PruneRecords, not AddCheckpoint");
  }
  return pool_->Run<int64_t>("AddCheckpoint", [&](PgTx& tx) -> absl::StatusOr<int64_t> {
    LockCheckpoints(tx);
    RETURN_IF_ERROR(CheckCovers(tx, checkpoint));
    return InsertCheckpointRow(tx, checkpoint);
  });
}

absl::StatusOr<std::vector<Checkpoint>> PostgresStore::ListCheckpoints(int64_t after_id,
                                                                       int limit) {
  return pool_->Run<std::vector<Checkpoint>>(
      "ListCheckpoints", [&](PgTx& tx) -> absl::StatusOr<std::vector<Checkpoint>> {
        std::vector<Checkpoint> checkpoints;
        for (const pqxx::row& row : tx.Exec(kListCheckpoints, {after_id, PgLimit(limit)})) {
          checkpoints.push_back(ReadCheckpoint(row));
        }
        return checkpoints;
      });
}

absl::StatusOr<std::optional<Checkpoint>> PostgresStore::LatestCheckpoint() {
  return pool_->Run<std::optional<Checkpoint>>(
      "LatestCheckpoint", [&](PgTx& tx) -> absl::StatusOr<std::optional<Checkpoint>> {
        pqxx::result rows = tx.Exec(kLatestCheckpoint);
        if (rows.empty()) return std::optional<Checkpoint>();
        return std::optional<Checkpoint>(ReadCheckpoint(rows[0]));
      });
}

absl::StatusOr<int64_t> PostgresStore::PruneRecords(const Checkpoint& cut) {
  if (!cut.cut) return absl::InvalidArgumentError("a retention cut must have cut = true");
  static constexpr PgQuery kDeleteCheckpoints{"prune_checkpoints",
                                              "DELETE FROM checkpoints WHERE seq <= $1"};
  static constexpr PgQuery kDeleteRecords{"prune_records", "DELETE FROM records WHERE seq <= $1"};
  return pool_->Run<int64_t>("PruneRecords", [&](PgTx& tx) -> absl::StatusOr<int64_t> {
    LockCheckpoints(tx);
    RETURN_IF_ERROR(CheckCovers(tx, cut));
    // Older checkpoints name records that are about to go; the cut supersedes them.
    tx.Exec(kDeleteCheckpoints, {cut.seq});
    InsertCheckpointRow(tx, cut);
    return static_cast<int64_t>(tx.Exec(kDeleteRecords, {cut.seq}).affected_rows());
  });
}

}  // namespace flowline::store::postgres
