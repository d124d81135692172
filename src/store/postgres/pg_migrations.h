// The PostgreSQL store's schema: numbered migrations, applied once under an advisory lock.
//
// Migrations mirror the SQLite store's (store/sqlite/migrations.cc) in spirit: the same tables
// and columns, in PostgreSQL types (BIGINT, TEXT, BOOLEAN, DOUBLE PRECISION, BYTEA for hashes),
// times as BIGINT microseconds since the Unix epoch so that row code ports directly. PostgreSQL
// starts from the SQLite schema as it is now, so its migration 1 is the whole of it; later
// changes are new numbers, never edits.
//
// Applying: on one connection, `pg_advisory_lock` on a key fixed per schema (two processes
// starting at once: one applies, the other waits and then finds nothing pending), then each
// pending migration in its own transaction with its row in `schema_migrations`.
#pragma once

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"

namespace flowline::store::postgres {

// The number of the newest migration this flowline knows.
int LatestPgSchemaVersion();

// The newest migration applied to the connection's schema (its search_path); 0 for an empty
// schema.
absl::StatusOr<int> PgSchemaVersion(pqxx::connection& connection);

// Each applied migration of the connection's schema: (version, when it was applied), oldest
// first; empty for an empty schema.
absl::StatusOr<std::vector<std::pair<int, absl::Time>>> PgAppliedMigrations(
    pqxx::connection& connection);

// Creates `schema` if missing and applies the pending migrations to it. FailedPrecondition if
// the schema was written by a newer flowline (its version is above LatestPgSchemaVersion()).
// Returns how many migrations were applied.
absl::StatusOr<int> MigratePg(pqxx::connection& connection, const std::string& schema,
                              absl::Time now);

}  // namespace flowline::store::postgres
