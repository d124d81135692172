// Schema migrations of the SQLite store.
//
// The schema is a list of numbered migrations compiled into the program. Migrate() creates the
// `schema_migrations(version, applied_at)` table if needed and applies, in one transaction, every
// migration the database has not seen yet, recording each one. A database written by a newer
// flowline (a version above LatestSchemaVersion()) is refused with FailedPrecondition, because
// this program cannot know what the newer schema means.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

// The highest migration this program knows.
int LatestSchemaVersion();

struct AppliedMigration {
  int version = 0;
  absl::Time applied_at;
};

// The migrations recorded in the database, oldest first; empty for a database no flowline has
// migrated yet. Reads only (creates nothing).
absl::StatusOr<std::vector<AppliedMigration>> ListAppliedMigrations(Connection& connection);

// Brings the database on `connection` up to LatestSchemaVersion(). Must be called outside a
// transaction; `now` is recorded as applied_at.
absl::Status Migrate(Connection& connection, absl::Time now);

}  // namespace flowline::store::sqlite
