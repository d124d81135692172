// PostgresStore: the decision record — a run's records, the chain page by page, its head. The
// appends are in pg_chain.cc; every read here links the pending records first (pg_chain.h).
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/pg_chain.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

const std::string kRunRecordsSql =
    absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE run_id = $1 ORDER BY seq");
const std::string kRecordPageSql =
    absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE seq > $1 ORDER BY seq LIMIT $2");

std::vector<Record> Records(const pqxx::result& rows) {
  std::vector<Record> records;
  records.reserve(rows.size());
  for (const pqxx::row& row : rows) records.push_back(ReadRecordRow(row));
  return records;
}

}  // namespace

absl::StatusOr<std::vector<Record>> PostgresStore::ListRecords(const std::string& run_id) {
  return pool_->Run<std::vector<Record>>(
      "ListRecords", [&](PgTx& tx) -> absl::StatusOr<std::vector<Record>> {
        LinkPendingRecords(tx);
        return Records(tx.Exec(PgQuery{"records_of_run", kRunRecordsSql.c_str()}, {run_id}));
      });
}

absl::StatusOr<std::vector<Record>> PostgresStore::ScanRecords(int64_t after_seq, int limit) {
  return pool_->Run<std::vector<Record>>(
      "ScanRecords", [&](PgTx& tx) -> absl::StatusOr<std::vector<Record>> {
        LinkPendingRecords(tx);
        return Records(
            tx.Exec(PgQuery{"records_page", kRecordPageSql.c_str()}, {after_seq, PgLimit(limit)}));
      });
}

absl::StatusOr<RecordChainHead> PostgresStore::GetRecordChainHead() {
  return pool_->Run<RecordChainHead>("GetRecordChainHead",
                                     [&](PgTx& tx) { return ReadChainHead(tx); });
}

}  // namespace flowline::store::postgres
