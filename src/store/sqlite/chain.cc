#include "store/sqlite/chain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/record_chain.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

// One hasher per thread: appends run on the writer thread, migrations on the opening one.
RecordHasher& ThreadHasher() {
  thread_local RecordHasher hasher;
  return hasher;
}

absl::Status InsertLinked(Connection& db, const Record& record) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO records (seq, run_id, step_id, version, "
                                         "kind, actor, payload_json, at, prev_hash, hash) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  stmt->Bind(1, record.seq);
  stmt->Bind(2, record.run_id);
  stmt->Bind(3, record.step_id);
  stmt->Bind(4, record.version);
  stmt->Bind(5, record.kind);
  stmt->Bind(6, record.actor);
  stmt->Bind(7, record.payload_json);
  stmt->Bind(8, record.at);
  stmt->BindBlob(9, record.prev_hash);
  stmt->BindBlob(10, record.hash);
  return stmt->Run();
}

// A checkpoint must name a record that is in the chain with exactly that hash: the signer read
// the head, and nothing may have replaced it since.
absl::Status CheckCovers(Connection& db, const Checkpoint& checkpoint) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT hash FROM records WHERE seq = ?1"));
  stmt->Bind(1, checkpoint.seq);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::FailedPreconditionError(
        absl::StrCat("a checkpoint of record ", checkpoint.seq, ": there is no such record"));
  }
  if (stmt->Blob(0) != checkpoint.hash) {
    return absl::FailedPreconditionError(absl::StrCat(
        "a checkpoint of record ", checkpoint.seq, ": its hash ", HexBytes(checkpoint.hash),
        " is not the record's (", HexBytes(stmt->Blob(0)), ")"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InsertCheckpointRow(Connection& db, const Checkpoint& checkpoint) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO checkpoints (seq, hash, signed_at, reason, "
                                         "key_id, signature, cut) VALUES (?1, ?2, ?3, ?4, ?5, "
                                         "?6, ?7) RETURNING id"));
  stmt->Bind(1, checkpoint.seq);
  stmt->BindBlob(2, checkpoint.hash);
  stmt->Bind(3, checkpoint.signed_at);
  stmt->Bind(4, checkpoint.reason);
  stmt->Bind(5, checkpoint.key_id);
  stmt->BindBlob(6, checkpoint.signature);
  stmt->Bind(7, checkpoint.cut ? 1 : 0);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::InternalError("inserting a checkpoint returned no id");
  return stmt->Int(0);
}

}  // namespace

absl::StatusOr<RecordChainHead> ReadChainHead(Connection& db) {
  {
    ASSIGN_OR_RETURN(auto stmt,
                     db.Prepare("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1"));
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row) {
      RecordChainHead head{stmt->Int(0), stmt->Blob(1)};
      if (head.hash.size() != kRecordHashSize) {
        return absl::DataLossError(absl::StrCat("record ", head.seq,
                                                " has no valid hash: the "
                                                "records table was changed outside flowline"));
      }
      return head;
    }
  }
  // Every record was removed by retention: the chain goes on from the last cut.
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT seq, hash FROM checkpoints WHERE cut "
                                         "ORDER BY seq DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (row) return RecordChainHead{stmt->Int(0), stmt->Blob(1)};
  return RecordChainHead{0, GenesisHash()};
}

absl::Status AppendRecords(Connection& db, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at) {
  if (records.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(RecordChainHead head, ReadChainHead(db));
  for (const Record& record : LinkRecords(ThreadHasher(), head, run_id, version, records, at)) {
    RETURN_IF_ERROR(InsertLinked(db, record));
  }
  return absl::OkStatus();
}

absl::Status AppendRunRecords(Connection& db, const std::string& run_id,
                              const std::vector<NewRecord>& records, absl::Time at) {
  if (records.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT version FROM runs WHERE run_id = ?1"));
  stmt->Bind(1, run_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("run ", run_id, " not found"));
  const std::string version = stmt->Text(0);
  return AppendRecords(db, run_id, version, records, at);
}

absl::StatusOr<std::vector<Record>> SelectRecordPage(Connection& db, int64_t after_seq, int limit) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE seq > ?1 ORDER BY seq LIMIT ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, after_seq);
  stmt->Bind(2, SqlLimit(limit));
  return AllRows<Record>(stmt, ReadRecordRow);
}

absl::StatusOr<int64_t> InsertCheckpoint(Connection& db, const Checkpoint& checkpoint) {
  if (checkpoint.cut) {
    return absl::InvalidArgumentError("a retention cut is made by PruneRecords, not AddCheckpoint");
  }
  RETURN_IF_ERROR(CheckCovers(db, checkpoint));
  return InsertCheckpointRow(db, checkpoint);
}

absl::StatusOr<std::vector<Checkpoint>> SelectCheckpoints(Connection& db, int64_t after_id,
                                                          int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kCheckpointColumns, " FROM checkpoints WHERE id > ?1 ORDER BY id LIMIT ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, after_id);
  stmt->Bind(2, SqlLimit(limit));
  return AllRows<Checkpoint>(stmt, ReadCheckpointRow);
}

absl::StatusOr<std::optional<Checkpoint>> SelectLatestCheckpoint(Connection& db) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kCheckpointColumns, " FROM checkpoints ORDER BY id DESC LIMIT 1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::nullopt;
  return ReadCheckpointRow(*stmt);
}

absl::StatusOr<int64_t> CutRecords(Connection& db, const Checkpoint& cut) {
  if (!cut.cut) return absl::InvalidArgumentError("a retention cut must have cut = true");
  RETURN_IF_ERROR(CheckCovers(db, cut));
  {
    // Older checkpoints name records that are about to go; the cut supersedes them.
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("DELETE FROM checkpoints WHERE seq <= ?1"));
    stmt->Bind(1, cut.seq);
    RETURN_IF_ERROR(stmt->Run());
  }
  RETURN_IF_ERROR(InsertCheckpointRow(db, cut).status());
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("DELETE FROM records WHERE seq <= ?1"));
  stmt->Bind(1, cut.seq);
  RETURN_IF_ERROR(stmt->Run());
  return stmt->Changes();
}

absl::Status ChainUnlinkedRecords(Connection& db) {
  RETURN_IF_ERROR(
      db.Exec("UPDATE records SET version = coalesce((SELECT version FROM runs "
              "WHERE runs.run_id = records.run_id), '') WHERE hash IS NULL"));
  RecordHasher& hasher = ThreadHasher();
  RecordChainHead head{0, GenesisHash()};
  for (;;) {
    // In pages, read before written: no statement scans the table while it changes.
    ASSIGN_OR_RETURN(std::vector<Record> page, SelectRecordPage(db, head.seq, 1000));
    if (page.empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(auto update,
                     db.Prepare("UPDATE records SET prev_hash = ?2, hash = ?3 WHERE seq = ?1"));
    for (Record& record : page) {
      if (!record.hash.empty()) {  // already linked: the chain goes on from it
        head = RecordChainHead{record.seq, std::move(record.hash)};
        continue;
      }
      record.prev_hash = head.hash;
      record.hash = hasher.Hash(record);
      update->Reset();
      update->Bind(1, record.seq);
      update->BindBlob(2, record.prev_hash);
      update->BindBlob(3, record.hash);
      RETURN_IF_ERROR(update->Run());
      head = RecordChainHead{record.seq, record.hash};
    }
  }
}

}  // namespace flowline::store::sqlite
