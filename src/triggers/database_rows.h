// The database trigger's reads (private to triggers/): one read-only statement with a :cursor
// parameter against a postgres or sqlite connection, its rows as JSON objects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "steps/connections.h"

namespace flowline::triggers {

// InvalidArgument (what and how to fix) unless `query` is one statement that only reads
// (SELECT / WITH ... SELECT) and whose only parameter is :cursor, used at least once.
absl::Status CheckCursorQuery(std::string_view query);

// Runs `query` with :cursor bound to `cursor` (a number or a text) on `connection` (postgres:
// in a READ ONLY transaction; sqlite: a read-only connection to an existing file, and SQLite must
// find the statement read-only). The rows in the order the database returns them, column →
// value (integers, reals, texts, booleans, null; json/jsonb as JSON; blobs as "<N bytes>").
// Unavailable when the database cannot be reached or is busy; FailedPrecondition /
// InvalidArgument for SQL errors (the database's message; never the connection's URL or
// password).
absl::StatusOr<std::vector<Json>> ReadRows(const steps::Connection& connection,
                                           const std::string& query, const Json& cursor);

}  // namespace flowline::triggers
