// OpenStore: the one place that turns a store location (store_location.h: a SQLite file or a
// PostgreSQL URL/conninfo) into a Store, and that reads or applies its schema migrations.
//
// Opening a SQLite store applies its pending migrations (it has one process at a time).
// Opening a PostgreSQL store applies them too, under the database's advisory lock, so the first
// process of a new version migrates and the others wait for it; `flowline migrate` does the
// same on its own, and is the documented step of an upgrade (docs/scale-out.md).
//
// Errors quote the location's redacted form (never a password).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "store/store.h"
#include "store/store_location.h"

namespace flowline::store {

struct OpenStoreOptions {
  // Stamps applied migrations. Default (nullptr): the system clock.
  const common::Clock* clock = nullptr;
  // PostgreSQL: connections the store's pool opens at most. Default 8.
  int connections = 8;
};

// Opens the store at `location`, bringing its schema up to date. Errors: FailedPrecondition
// (a schema written by a newer flowline), Unavailable (PostgreSQL not reachable), others as the
// store reports them; each names the location.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreLocation& location,
                                                 const OpenStoreOptions& options = {});

struct SchemaMigrationState {
  int version = 0;
  bool applied = false;
  std::optional<absl::Time> applied_at;  // when it was applied, where the store records it
};

struct SchemaStatus {
  int latest = 0;  // the newest migration this flowline knows
  // Every migration up to max(latest, newest applied).
  std::vector<SchemaMigrationState> migrations;

  int applied() const;
  int pending() const;
  // Applied migrations this flowline does not know (the schema is from a newer flowline).
  bool newer_than_program() const;
};

// Reads which migrations the store has, changing nothing (a missing SQLite file is reported as
// all pending, not created).
absl::StatusOr<SchemaStatus> ReadSchemaStatus(const StoreLocation& location);

// Applies the pending migrations (PostgreSQL: under the advisory lock) and returns the status
// after. FailedPrecondition for a schema from a newer flowline.
absl::StatusOr<SchemaStatus> MigrateSchema(const StoreLocation& location,
                                           const OpenStoreOptions& options = {});

}  // namespace flowline::store
