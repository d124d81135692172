#include "store/postgres/pg_chain.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "store/postgres/pg_rows.h"
#include "store/record_chain.h"

namespace flowline::store::postgres {
namespace {

// One hasher per thread: a RecordHasher belongs to one thread, and every pooled transaction
// runs on its caller's.
RecordHasher& ThreadHasher() {
  thread_local RecordHasher hasher;
  return hasher;
}

constexpr PgQuery kLockHead{"chain_lock_head",
                            "SELECT seq, hash FROM record_chain_head WHERE id = 1 FOR UPDATE"};
constexpr PgQuery kReadHead{"chain_read_head",
                            "SELECT seq, hash FROM record_chain_head WHERE id = 1"};
// All of a call's records in one statement (one round trip however many there are), and the
// head moved in the same statement.
constexpr PgQuery kInsert{
    "chain_insert",
    "WITH appended AS (INSERT INTO records (seq, run_id, step_id, version, kind, actor, "
    "payload_json, at, prev_hash, hash) SELECT r.seq, $1, r.step_id, $2, r.kind, r.actor, "
    "r.payload_json, $3, decode(r.prev_hash, 'hex'), decode(r.hash, 'hex') FROM "
    "unnest($4::bigint[], "
    "$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS r(seq, step_id, "
    "kind, actor, payload_json, prev_hash, hash) RETURNING 1) "
    "UPDATE record_chain_head SET seq = $11, hash = decode($12, 'hex') WHERE id = 1"};

absl::StatusOr<RecordChainHead> HeadOf(const pqxx::result& rows) {
  if (rows.empty()) {
    return absl::DataLossError(
        "the record chain's head row is missing: the schema was changed outside flowline");
  }
  RecordChainHead head{PgInt(rows[0][0]), PgByteaBytes(rows[0][1])};
  if (head.hash.size() != kRecordHashSize) {
    return absl::DataLossError(absl::StrCat("the record chain's head (seq ", head.seq,
                                            ") has no valid hash: the record_chain_head table "
                                            "was changed outside flowline"));
  }
  return head;
}

std::string Hex(const std::string& bytes) { return HexBytes(bytes); }

}  // namespace

absl::StatusOr<RecordChainHead> ReadChainHead(PgTx& tx) { return HeadOf(tx.Exec(kReadHead)); }

absl::Status AppendRecords(PgTx& tx, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at) {
  if (records.empty()) return absl::OkStatus();
  absl::StatusOr<RecordChainHead> head = HeadOf(tx.Exec(kLockHead));
  if (!head.ok()) return head.status();
  std::vector<std::string> seqs, step_ids, kinds, actors, payloads, prev_hashes, hashes;
  for (const Record& record : LinkRecords(ThreadHasher(), *head, run_id, version, records, at)) {
    seqs.push_back(std::to_string(record.seq));
    step_ids.push_back(record.step_id);
    kinds.push_back(record.kind);
    actors.push_back(record.actor);
    payloads.push_back(record.payload_json);
    prev_hashes.push_back(Hex(record.prev_hash));
    hashes.push_back(Hex(record.hash));
  }
  const int64_t head_seq = head->seq + static_cast<int64_t>(records.size());
  tx.Exec(kInsert,
          {run_id, version, at, "{" + absl::StrJoin(seqs, ",") + "}", PgTextArray(step_ids),
           PgTextArray(kinds), PgTextArray(actors), PgTextArray(payloads), PgTextArray(prev_hashes),
           PgTextArray(hashes), head_seq, hashes.back()});
  return absl::OkStatus();
}

}  // namespace flowline::store::postgres
