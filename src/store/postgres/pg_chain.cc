#include "store/postgres/pg_chain.h"

#include "absl/strings/str_cat.h"
#include "store/postgres/pg_rows.h"
#include "store/record_chain.h"

namespace flowline::store::postgres {
namespace {

constexpr PgQuery kReadHead{"chain_read_head",
                            "SELECT seq, hash FROM record_chain_head WHERE id = 1"};
constexpr PgQuery kLinkAll{"chain_link_all", "SELECT flowline_link_records(NULL)"};
// All of a call's records in one statement (one round trip however many there are), as one
// batch: one number from the sequence (a materialized CTE: drawn once), n = their order.
constexpr PgQuery kInsertPending{
    "chain_insert_pending",
    "WITH b AS MATERIALIZED (SELECT nextval('records_pending_batch') AS batch) "
    "INSERT INTO records_pending (batch, n, run_id, step_id, kind, actor, payload_json, at, "
    "version) SELECT b.batch, r.n, $1, r.step_id, r.kind, r.actor, r.payload_json, $2, $3 FROM "
    "b, unnest($4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS r(step_id, "
    "kind, actor, payload_json, n) RETURNING batch"};

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

}  // namespace

absl::StatusOr<RecordChainHead> ReadChainHead(PgTx& tx) {
  LinkPendingRecords(tx);
  return HeadOf(tx.Exec(kReadHead));
}

void LinkPendingRecords(PgTx& tx) { tx.Exec(kLinkAll); }

absl::Status AppendRecords(PgTx& tx, const std::string& run_id, const std::string& version,
                           const std::vector<NewRecord>& records, absl::Time at) {
  if (records.empty()) return absl::OkStatus();
  std::vector<std::string> step_ids, kinds, actors, payloads;
  step_ids.reserve(records.size());
  kinds.reserve(records.size());
  actors.reserve(records.size());
  payloads.reserve(records.size());
  for (const NewRecord& record : records) {
    step_ids.push_back(record.step_id);
    kinds.push_back(record.kind);
    actors.push_back(record.actor);
    payloads.push_back(record.payload_json);
  }
  pqxx::result batch =
      tx.Exec(kInsertPending, {run_id, at, version, PgTextArray(step_ids), PgTextArray(kinds),
                               PgTextArray(actors), PgTextArray(payloads)});
  tx.LinkRecordsAfterCommit(PgInt(batch[0][0]));
  return absl::OkStatus();
}

}  // namespace flowline::store::postgres
