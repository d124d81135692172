// Values between JSON and the SQL databases the sql step and the database trigger talk to:
// parameters bound (never spliced into SQL), result columns read back as JSON, and the secrets a
// PostgreSQL URL carries (for Redact).
//
// Stateless; thread-safe.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "common/json_util.h"

namespace flowline::steps {

// Binds `value` to parameter `index` of a SQLite statement: strings, numbers, booleans as 0/1,
// null; objects and arrays as JSON text. Returns SQLite's result code.
int SqliteBindJson(sqlite3_stmt* stmt, int index, const Json& value);

// Column `column` of the current row: integer, real, text, null; a blob as "<N bytes>".
Json SqliteColumnJson(sqlite3_stmt* stmt, int column);

// The text bound for a JSON parameter on PostgreSQL (which casts it to the column's type); null
// for JSON null.
std::optional<std::string> PostgresParamText(const Json& value);

// At most `max_rows` rows of `result` as objects, column → value: booleans, integers, reals
// (numeric too), json/jsonb as JSON, bytea as "<N bytes>", null; other types as their text.
Json PostgresRows(const pqxx::result& result, int max_rows);

// Every string that would reveal a PostgreSQL URL's secret: the URL as a whole and its password
// (postgresql://user:PASSWORD@host/db, or password=PASSWORD / password='PASS WORD' in a conninfo).
std::vector<std::string> PostgresUrlSecrets(const std::string& url);

}  // namespace flowline::steps
