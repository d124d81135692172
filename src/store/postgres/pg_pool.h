// PgPool: a fixed number of PostgreSQL connections shared by the PostgresStore's threads, and
// the one place that runs a transaction and decides what is retried.
//
// Run(what, fn) takes a free connection (waiting for one if all are busy), begins a transaction
// (READ COMMITTED), calls fn(PgTx&) and commits if it returned OK (rolls back otherwise: a
// refused write changes nothing). It runs fn again, from the start, when:
//   - the transaction failed with a serialization failure or deadlock (SQLSTATE 40001, 40P01),
//     up to kMaxRetries times;
//   - the connection broke BEFORE COMMIT was sent: once, on a new connection.
// After the COMMIT of a transaction that appended decision records, Run links them into the
// chain (one more statement in a transaction of its own, pg_chain.h) before it returns.
// A connection that breaks while COMMIT is in flight leaves the outcome unknown: that is
// Unavailable ("outcome unknown"), never repeated blindly (the caller's own retry logic, e.g. a
// lease's fencing, decides).
//
// Errors are absl::Status values naming `what`, the statement and the SQLSTATE, never the bound
// values (they may hold personal data): 23505 → AlreadyExists, 40001/40P01 (retries exhausted)
// → Aborted, connection failures (08xxx, 57P0x) → Unavailable, 53xxx → ResourceExhausted,
// anything else → Internal.
//
// Connections are opened on first need (so a pool of 8 used by one thread holds one), each
// with `search_path` set to the pool's schema. Thread-safety: every method may be called from
// any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/postgres/pg_tx.h"

namespace flowline::store::postgres {

struct PgPoolOptions {
  std::string conninfo;           // libpq key=value string or postgresql:// URL
  std::string schema = "public";  // every connection's search_path
  int size = 8;                   // connections at most
};

class PgPool {
 public:
  static constexpr int kMaxRetries = 20;

  // Opens the first connection (to report a wrong conninfo at once). Unavailable if the server
  // cannot be reached; InvalidArgument for a size < 1 or an empty schema.
  static absl::StatusOr<std::unique_ptr<PgPool>> Open(const PgPoolOptions& options);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Runs one transaction (see above).
  absl::Status Run(const char* what, absl::FunctionRef<absl::Status(PgTx&)> fn);
  template <typename T, typename Fn>
  absl::StatusOr<T> Run(const char* what, Fn fn) {
    std::optional<T> out;
    absl::Status status = Run(what, [&](PgTx& tx) -> absl::Status {
      out.reset();
      absl::StatusOr<T> result = fn(tx);
      if (!result.ok()) return result.status();
      out.emplace(*std::move(result));
      return absl::OkStatus();
    });
    if (!status.ok()) return status;
    return *std::move(out);
  }

  PgCounters counters() const;
  const PgPoolOptions& options() const { return options_; }

  // A new connection with the pool's settings (search_path), for callers that need one of
  // their own (LISTEN, migrations under a session advisory lock).
  absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect() const;

 private:
  struct Slot {
    std::unique_ptr<pqxx::connection> connection;  // null until first used, or after it broke
    std::vector<std::string> prepared;             // statement names prepared on it
  };

  explicit PgPool(PgPoolOptions options);
  Slot* Acquire();
  // After an appending transaction's COMMIT: links its records (pg_chain.h) on the same
  // connection, in a transaction of its own.
  static void LinkRecords(Slot& slot, int64_t batch, PgCounters& counters);
  void Release(Slot* slot);

  const PgPoolOptions options_;
  std::vector<Slot> slots_;
  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  std::vector<Slot*> free_;  // guarded by mutex_
  PgCounters counters_;      // guarded by mutex_
};

// `text` with any password removed: `password=...` of a key=value conninfo and the `:secret@`
// of a URL become `password=***` and `:***@`. Every message that may quote a conninfo goes
// through it.
std::string RedactConninfo(std::string text);

// The schema name quoted as an SQL identifier ("a""b" for a"b).
std::string QuoteIdentifier(const std::string& name);

}  // namespace flowline::store::postgres
