// One PostgreSQL transaction as the PostgresStore's area files see it: named queries with typed
// parameters, and typed reads of result fields.
//
// A query is a `PgQuery{name, sql}` constant at its call site. The first time a pooled
// connection runs a name it prepares the SQL under that name; later runs on that connection
// execute the prepared statement (one round trip, no parse or plan). Names must be unique per
// SQL text across the store.
//
// Parameters are text in PostgreSQL's input syntax: times are BIGINT microseconds since the Unix
// epoch (as in the SQLite store), hashes BYTEA (passed as `PgBytes`), optional values NULL when
// unset.
//
// Errors: libpqxx throws; PgPool::Run (pg_pool.h) catches and maps to absl::Status with the name
// of the statement that failed (PgTx remembers it), never its parameters.
//
// Thread-safety: a PgTx belongs to the thread running the transaction.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "store/postgres/pg_counters.h"

namespace flowline::store::postgres {

struct PgQuery {
  const char* name;  // the prepared statement's name: unique per SQL text
  const char* sql;   // $1, $2, ... for parameters
};

// Raw bytes for a BYTEA parameter.
struct PgBytes {
  std::string_view bytes;
};

// One parameter value: NULL or text in PostgreSQL's input syntax.
class PgParam {
 public:
  PgParam(std::nullopt_t) {}                          // NOLINT(google-explicit-constructor): NULL
  PgParam(std::string_view text) : value_(text) {}    // NOLINT(google-explicit-constructor)
  PgParam(const std::string& text) : value_(text) {}  // NOLINT(google-explicit-constructor)
  PgParam(const char* text) : value_(text) {}         // NOLINT(google-explicit-constructor)
  PgParam(int value) : value_(std::to_string(value)) {}      // NOLINT(google-explicit-constructor)
  PgParam(int64_t value) : value_(std::to_string(value)) {}  // NOLINT(google-explicit-constructor)
  PgParam(bool value) : value_(value ? "true" : "false") {}  // NOLINT(google-explicit-constructor)
  PgParam(double value);                                     // NOLINT(google-explicit-constructor)
  PgParam(absl::Time value);  // NOLINT(google-explicit-constructor): microseconds
  PgParam(PgBytes value);     // NOLINT(google-explicit-constructor): bytea hex input
  template <typename T>
  PgParam(const std::optional<T>& value) {  // NOLINT(google-explicit-constructor)
    if (value.has_value()) value_ = PgParam(*value).value_;
  }

  const std::optional<std::string>& value() const { return value_; }

 private:
  std::optional<std::string> value_;
};

class PgTx {
 public:
  // `prepared`: the names this connection has prepared (owned by the pool's connection slot).
  // `statement` is set to (a copy of) the name of each statement before it runs: what a failure
  // names, after the transaction's function — and any name it built — is gone.
  PgTx(pqxx::work& work, std::vector<std::string>& prepared, PgCounters& counters,
       std::string& statement);

  // Runs `query` with `params`; returns its rows.
  pqxx::result Exec(const PgQuery& query, std::initializer_list<PgParam> params = {});
  pqxx::result Exec(const PgQuery& query, const std::vector<PgParam>& params);
  // Runs a statement that is not worth preparing (DDL, one-off administration).
  pqxx::result ExecUnprepared(const char* name, const std::string& sql);

  // Wakes idle workers (on every host) at COMMIT: `pg_notify('flowline_work', '')`. Several
  // calls in one transaction send one notification.
  void NotifyWork();
  bool notify_pending() const { return notify_; }

  // Links the records this transaction appended into the decision record's chain after its
  // COMMIT (pg_chain.h): PgPool::Run does so before it returns.
  // `batch`: the records_pending batch just inserted (the last one counts: all of a
  // transaction's batches commit, and are linked, together).
  void LinkRecordsAfterCommit(int64_t batch) { link_batch_ = batch; }
  // The batch to link after COMMIT; 0 if the transaction appended no records.
  int64_t link_batch() const { return link_batch_; }

  pqxx::work& work() { return work_; }

 private:
  pqxx::work& work_;
  std::vector<std::string>& prepared_;
  PgCounters& counters_;
  std::string& statement_;
  bool notify_ = false;
  int64_t link_batch_ = 0;
};

// Typed reads of result fields (NULL reads as the empty/zero/unset value).
std::string PgText(const pqxx::field& field);
int64_t PgInt(const pqxx::field& field);
double PgDouble(const pqxx::field& field);
bool PgBool(const pqxx::field& field);
absl::Time PgTime(const pqxx::field& field);  // BIGINT microseconds
std::optional<absl::Time> PgOptTime(const pqxx::field& field);
std::optional<double> PgOptDouble(const pqxx::field& field);
std::string PgByteaBytes(const pqxx::field& field);  // raw bytes of a BYTEA

// Microseconds since the Unix epoch, the stored form of a time.
int64_t PgMicros(absl::Time time);

}  // namespace flowline::store::postgres
