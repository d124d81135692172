// Thin RAII wrappers over the SQLite C API, private to the SQLite store.
//
// A Connection owns one sqlite3* and a cache of its prepared statements; Prepare() hands out a
// StatementRef that resets the statement (and clears its bindings) when it goes away, so a
// statement is compiled once per connection and reused for the connection's lifetime.
// Every SQLite error becomes an absl::Status that names the operation and carries SQLite's
// message (see SqliteError for the code mapping).
//
// Thread-safety: none. A Connection and its statements belong to one thread at a time (the
// writer thread, or the reader that took the connection from the pool).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct sqlite3;
struct sqlite3_stmt;

namespace flowline::store::sqlite {

// Maps an SQLite result code to a status: BUSY/LOCKED → Unavailable, unique/primary-key
// constraint → AlreadyExists, other constraints → InvalidArgument, FULL → ResourceExhausted,
// CORRUPT/NOTADB → DataLoss, READONLY → FailedPrecondition, anything else → Internal. The message
// is "<context>: <sqlite message>".
absl::Status SqliteError(int code, sqlite3* db, std::string_view context);

// One prepared statement. Bind indexes are 1-based, column indexes 0-based.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Text is bound without a copy: the bytes must stay alive until the statement is reset
  // (callers bind locals or fields of the request they serve, never temporaries).
  void Bind(int index, std::string_view text);
  void Bind(int index, const std::string& text) { Bind(index, std::string_view(text)); }
  void Bind(int index, std::string&& text) = delete;  // would dangle: bind a named string
  void Bind(int index, const char* text) { Bind(index, std::string_view(text)); }
  void Bind(int index, int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, double value);
  // Times are stored as INTEGER microseconds since the Unix epoch; nullopt binds NULL.
  void Bind(int index, absl::Time time);
  void Bind(int index, std::optional<absl::Time> time);
  void Bind(int index, std::optional<double> value);
  void BindNull(int index);
  // Bytes as a BLOB, without a copy (the same lifetime rule as text).
  void BindBlob(int index, std::string_view bytes);
  void BindBlob(int index, std::string&& bytes) = delete;  // would dangle

  // Advances to the next row: true when a row is available, false when done.
  absl::StatusOr<bool> Step();
  // Steps to completion, ignoring any rows (for INSERT/UPDATE/DELETE and RETURNING-less DDL).
  absl::Status Run();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  double Double(int column) const;
  std::string Text(int column) const;
  // A BLOB column's bytes (empty for NULL).
  std::string Blob(int column) const;
  absl::Time Time(int column) const;
  std::optional<absl::Time> OptionalTime(int column) const;
  std::optional<double> OptionalDouble(int column) const;

  // Rows changed by the last INSERT/UPDATE/DELETE on this statement's connection.
  int Changes() const;
  // Resets the statement and clears its bindings.
  void Reset();
  std::string_view sql() const;

 private:
  friend class StatementRef;
  friend class Connection;
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // first failed bind; reported by Step()
  bool in_use_ = false;
};

// A statement checked out of a connection's cache; resets it on destruction.
class StatementRef {
 public:
  StatementRef(Statement* stmt, std::unique_ptr<Statement> owned)
      : stmt_(stmt), owned_(std::move(owned)) {
    stmt_->in_use_ = true;
  }
  StatementRef(StatementRef&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)), owned_(std::move(other.owned_)) {}
  StatementRef& operator=(StatementRef&&) = delete;
  ~StatementRef();

  Statement* operator->() const { return stmt_; }
  Statement& operator*() const { return *stmt_; }

 private:
  Statement* stmt_;
  std::unique_ptr<Statement> owned_;  // set when the cached copy was busy (nested use)
};

struct ConnectionOptions {
  bool read_only = false;  // sets PRAGMA query_only
  absl::Duration busy_timeout = absl::Seconds(5);
  const char* vfs = nullptr;  // an SQLite VFS by name; nullptr (default): the default VFS
};

class Connection {
 public:
  // Opens (creating if needed) the database file at `path`.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const std::string& path,
                                                          const ConnectionOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // The cached prepared statement for `sql` (compiled on first use). If the cached statement is
  // already checked out (nested use), a one-off statement is compiled instead.
  absl::StatusOr<StatementRef> Prepare(std::string_view sql);
  // Runs one or more statements that return no rows of interest (DDL, pragmas).
  absl::Status Exec(const std::string& sql);
  // The single text value of a one-row query such as "PRAGMA journal_mode".
  absl::StatusOr<std::string> QueryText(std::string_view sql);

  // Whether a transaction is open (SQLite may roll one back by itself after an I/O error).
  bool InTransaction() const;
  sqlite3* db() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>, Hash, std::equal_to<>> cache_;
};

}  // namespace flowline::store::sqlite
