#include "triggers/database_rows.h"

#include <sqlite3.h>

#include <optional>
#include <pqxx/pqxx>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "steps/secrets.h"
#include "steps/sql_text.h"
#include "steps/sql_values.h"

namespace flowline::triggers {
namespace {

// Enough rows for any sensible batch; a query without LIMIT is cut here (the cursor then moves
// to the last row read, and the next pass reads on).
constexpr int kMaxRows = 10000;

absl::StatusOr<std::vector<Json>> ReadSqlite(const steps::Connection& connection,
                                             const std::string& query, const Json& cursor) {
  const std::string path = connection.Path("path");
  sqlite3* db = nullptr;
  // Read-only, and never creating the file: a wrong path is an error, not an empty table.
  const int opened = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close_v2(db); }
  } closer{db};
  if (opened != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat("cannot open the SQLite database of ",
                                               connection.Describe(), ": ",
                                               sqlite3_errstr(opened)));
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* raw = nullptr;
  const char* tail = nullptr;
  const int prepared = sqlite3_prepare_v2(db, query.c_str(), -1, &raw, &tail);
  struct Finalizer {
    sqlite3_stmt* stmt;
    ~Finalizer() { sqlite3_finalize(stmt); }
  } finalizer{raw};
  if (prepared != SQLITE_OK || raw == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the database trigger's query on ", connection.Describe(), ": ", sqlite3_errmsg(db)));
  }
  if (sqlite3_stmt_readonly(raw) == 0) {
    return absl::InvalidArgumentError(absl::StrCat("the database trigger's query writes to ",
                                                   connection.Describe(),
                                                   ": a trigger only reads; write a SELECT"));
  }
  for (int i = 1; i <= sqlite3_bind_parameter_count(raw); ++i) {
    const char* name = sqlite3_bind_parameter_name(raw, i);
    if (name == nullptr || std::string_view(name) != ":cursor") {
      return absl::InvalidArgumentError(
          absl::StrCat("the database trigger's query has the parameter ", name ? name : "?",
                       ": the only parameter it may use is :cursor"));
    }
    steps::SqliteBindJson(raw, i, cursor);
  }
  std::vector<Json> rows;
  for (;;) {
    const int stepped = sqlite3_step(raw);
    if (stepped == SQLITE_DONE) break;
    if (stepped != SQLITE_ROW) {
      const std::string message = absl::StrCat("the database trigger's query on ",
                                               connection.Describe(), ": ", sqlite3_errmsg(db));
      return stepped == SQLITE_BUSY || stepped == SQLITE_LOCKED
                 ? absl::UnavailableError(message)
                 : absl::FailedPreconditionError(message);
    }
    Json row = Json::object();
    for (int c = 0; c < sqlite3_column_count(raw); ++c) {
      row[sqlite3_column_name(raw, c)] = steps::SqliteColumnJson(raw, c);
    }
    rows.push_back(std::move(row));
    if (static_cast<int>(rows.size()) >= kMaxRows) break;
  }
  return rows;
}

absl::StatusOr<std::vector<Json>> ReadPostgres(const steps::Connection& connection,
                                               const std::string& query, const Json& cursor) {
  absl::StatusOr<std::string> url = connection.Secret("url");
  if (!url.ok()) return url.status();
  const std::vector<std::string> secrets = steps::PostgresUrlSecrets(*url);
  absl::StatusOr<steps::NamedStatement> statement = steps::ParseNamedStatement(query);
  if (!statement.ok()) return statement.status();
  const std::optional<std::string> value = steps::PostgresParamText(cursor);
  std::vector<const char*> params(statement->names.size(), value ? value->c_str() : nullptr);
  try {
    pqxx::connection db(*url);
    // READ ONLY: whatever the query calls, it cannot write.
    pqxx::read_transaction tx(db);
    const pqxx::result result =
        tx.exec_params(statement->sql, pqxx::prepare::make_dynamic_params(params));
    const Json rows = steps::PostgresRows(result, kMaxRows);
    return std::vector<Json>(rows.begin(), rows.end());
  } catch (const pqxx::broken_connection& error) {
    return absl::UnavailableError(steps::Redact(
        absl::StrCat("cannot reach the database of ", connection.Describe(), ": ", error.what()),
        secrets));
  } catch (const pqxx::sql_error& error) {
    return absl::FailedPreconditionError(steps::Redact(
        absl::StrCat("the database trigger's query on ", connection.Describe(), ": ", error.what()),
        secrets));
  } catch (const std::exception& error) {
    return absl::UnavailableError(steps::Redact(
        absl::StrCat("the database of ", connection.Describe(), ": ", error.what()), secrets));
  }
}

}  // namespace

absl::Status CheckCursorQuery(std::string_view query) {
  absl::StatusOr<steps::NamedStatement> statement = steps::ParseNamedStatement(query);
  if (!statement.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the database trigger's query: ", statement.status().message()));
  }
  if (statement->writes) {
    return absl::InvalidArgumentError(
        "the database trigger's query must only read (SELECT ... WHERE id > :cursor ORDER BY "
        "id): it starts with another command or contains INSERT, UPDATE, DELETE, MERGE or INTO");
  }
  if (statement->names.empty()) {
    return absl::InvalidArgumentError(
        "the database trigger's query does not use :cursor: select only the rows after the last "
        "one seen (WHERE id > :cursor ORDER BY id)");
  }
  for (const std::string& name : statement->names) {
    if (name != "cursor") {
      return absl::InvalidArgumentError(absl::StrCat("the database trigger's query uses :", name,
                                                     "; the only parameter it may use is :cursor"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Json>> ReadRows(const steps::Connection& connection,
                                           const std::string& query, const Json& cursor) {
  if (connection.type == "sqlite") return ReadSqlite(connection, query, cursor);
  return ReadPostgres(connection, query, cursor);
}

}  // namespace flowline::triggers
