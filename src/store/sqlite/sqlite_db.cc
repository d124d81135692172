#include "store/sqlite/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::store::sqlite {

absl::Status SqliteError(int code, sqlite3* db, std::string_view context) {
  const char* message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  std::string text = absl::StrCat(Sv(context), ": ", message);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(text);
    case SQLITE_CONSTRAINT:
      if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return absl::AlreadyExistsError(text);
      }
      return absl::InvalidArgumentError(text);
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(text);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(text);
    case SQLITE_READONLY:
      return absl::FailedPreconditionError(text);
    default:
      return absl::InternalError(text);
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

void Statement::Bind(int index, std::string_view text) {
  // sqlite3_bind_text treats a null pointer as NULL; bind an empty value as "" instead.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::Bind(int index, absl::Time time) { Bind(index, absl::ToUnixMicros(time)); }

void Statement::Bind(int index, std::optional<absl::Time> time) {
  if (time.has_value()) {
    Bind(index, *time);
  } else {
    BindNull(index);
  }
}

void Statement::Bind(int index, std::optional<double> value) {
  if (value.has_value()) {
    Bind(index, *value);
  } else {
    BindNull(index);
  }
}

void Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

void Statement::BindBlob(int index, std::string_view bytes) {
  // A null pointer would bind NULL; an empty value stays an empty BLOB.
  const char* data = bytes.data() != nullptr ? bytes.data() : "";
  int rc = sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_error_ == SQLITE_OK) bind_error_ = rc;
}

absl::StatusOr<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) {
    return SqliteError(bind_error_, nullptr, absl::StrCat("binding ", Sv(sql())));
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqliteError(rc, db_, sql());
}

absl::Status Statement::Run() {
  for (;;) {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!*row) return absl::OkStatus();
  }
}

bool Statement::IsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Statement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

std::string Statement::Blob(int column) const {
  const void* bytes = sqlite3_column_blob(stmt_, column);
  if (bytes == nullptr) return std::string();
  return std::string(static_cast<const char*>(bytes), sqlite3_column_bytes(stmt_, column));
}

absl::Time Statement::Time(int column) const { return absl::FromUnixMicros(Int(column)); }

std::optional<absl::Time> Statement::OptionalTime(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Time(column);
}

std::optional<double> Statement::OptionalDouble(int column) const {
  if (IsNull(column)) return std::nullopt;
  return Double(column);
}

int Statement::Changes() const { return sqlite3_changes(db_); }

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = SQLITE_OK;
}

std::string_view Statement::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

StatementRef::~StatementRef() {
  if (stmt_ == nullptr) return;
  stmt_->Reset();
  stmt_->in_use_ = false;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path,
                                                             const ConnectionOptions& options) {
  sqlite3* db = nullptr;
  // NOMUTEX: each connection is used by one thread at a time, so SQLite's per-connection mutex
  // is pure overhead.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, options.vfs);
  if (rc != SQLITE_OK) {
    absl::Status status = SqliteError(rc, db, absl::StrCat("opening ", path));
    sqlite3_close(db);
    return status;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  std::unique_ptr<Connection> connection(new Connection(db));
  if (options.read_only) {
    absl::Status status = connection->Exec("PRAGMA query_only = ON");
    if (!status.ok()) return status;
  }
  return connection;
}

Connection::~Connection() {
  cache_.clear();  // statements must be finalized before the connection closes
  sqlite3_close(db_);
}

absl::StatusOr<StatementRef> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end() && !it->second->in_use_) return StatementRef(it->second.get(), nullptr);
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    return SqliteError(rc, db_, absl::StrCat("preparing ", Sv(sql)));
  }
  if (raw == nullptr) return absl::InvalidArgumentError("empty SQL statement");
  auto stmt = std::make_unique<Statement>(db_, raw);
  if (it != cache_.end()) return StatementRef(stmt.get(), std::move(stmt));
  Statement* cached = stmt.get();
  cache_.emplace(std::string(sql), std::move(stmt));
  return StatementRef(cached, nullptr);
}

absl::Status Connection::Exec(const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return absl::OkStatus();
  sqlite3_free(error);
  // Name the statement, not a whole schema script.
  constexpr size_t kMaxContext = 80;
  std::string_view context(sql);
  if (context.size() > kMaxContext) context = context.substr(0, kMaxContext);
  return SqliteError(rc, db_, absl::StrCat("running ", Sv(context)));
}

absl::StatusOr<std::string> Connection::QueryText(std::string_view sql) {
  auto stmt = Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = (*stmt)->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no result from ", Sv(sql)));
  return (*stmt)->Text(0);
}

bool Connection::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace flowline::store::sqlite
