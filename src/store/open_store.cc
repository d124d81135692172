#include "store/open_store.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::store {
namespace {

// Prefixes an error with the store it concerns (redacted), unless it already names it.
absl::Status InStore(const StoreLocation& location, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("store ", location.display, ": ", status.message()));
}

SchemaStatus MakeStatus(int latest, const std::vector<sqlite::AppliedMigration>& applied) {
  SchemaStatus status;
  status.latest = latest;
  int last = latest;
  for (const sqlite::AppliedMigration& migration : applied) {
    last = std::max(last, migration.version);
  }
  for (int version = 1; version <= last; ++version) {
    status.migrations.push_back(SchemaMigrationState{version, false, std::nullopt});
  }
  for (const sqlite::AppliedMigration& migration : applied) {
    if (migration.version >= 1) {
      status.migrations[migration.version - 1].applied = true;
      status.migrations[migration.version - 1].applied_at = migration.applied_at;
    }
  }
  return status;
}

SchemaStatus MakeStatus(const postgres::PgSchemaState& state) {
  SchemaStatus status;
  status.latest = state.latest;
  for (int version = 1; version <= std::max(state.latest, state.applied); ++version) {
    status.migrations.push_back(
        SchemaMigrationState{version, version <= state.applied, std::nullopt});
  }
  for (const auto& [version, at] : state.applied_at) {
    if (version >= 1 && version <= static_cast<int>(status.migrations.size())) {
      status.migrations[version - 1].applied_at = at;
    }
  }
  return status;
}

postgres::PostgresStoreOptions PgOptions(const StoreLocation& location,
                                         const OpenStoreOptions& options) {
  postgres::PostgresStoreOptions pg;
  pg.conninfo = location.target;
  pg.connections = options.connections;
  pg.clock = options.clock;
  return pg;
}

absl::StatusOr<SchemaStatus> ReadSqliteSchema(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) {
    return MakeStatus(sqlite::LatestSchemaVersion(), {});
  }
  ASSIGN_OR_RETURN(std::unique_ptr<sqlite::Connection> connection,
                   sqlite::Connection::Open(path, sqlite::ConnectionOptions{.read_only = true}));
  ASSIGN_OR_RETURN(std::vector<sqlite::AppliedMigration> applied,
                   sqlite::ListAppliedMigrations(*connection));
  return MakeStatus(sqlite::LatestSchemaVersion(), applied);
}

absl::StatusOr<std::unique_ptr<Store>> OpenSqlite(const StoreLocation& location,
                                                  const OpenStoreOptions& options) {
  sqlite::SqliteStoreOptions store_options;
  store_options.path = location.target;
  store_options.clock = options.clock;
  ASSIGN_OR_RETURN(std::unique_ptr<sqlite::SqliteStore> store,
                   sqlite::SqliteStore::Open(store_options));
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace

int SchemaStatus::applied() const {
  int count = 0;
  for (const SchemaMigrationState& migration : migrations) count += migration.applied ? 1 : 0;
  return count;
}

int SchemaStatus::pending() const { return static_cast<int>(migrations.size()) - applied(); }

bool SchemaStatus::newer_than_program() const {
  for (const SchemaMigrationState& migration : migrations) {
    if (migration.version > latest && migration.applied) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<Store>> OpenStore(const StoreLocation& location,
                                                 const OpenStoreOptions& options) {
  absl::StatusOr<std::unique_ptr<Store>> store;
  if (location.is_postgres()) {
    absl::StatusOr<std::unique_ptr<postgres::PostgresStore>> pg =
        postgres::PostgresStore::Open(PgOptions(location, options));
    if (pg.ok()) {
      store = std::unique_ptr<Store>(*std::move(pg));
    } else {
      store = pg.status();
    }
  } else {
    store = OpenSqlite(location, options);
  }
  if (!store.ok()) return InStore(location, store.status());
  return store;
}

absl::StatusOr<SchemaStatus> ReadSchemaStatus(const StoreLocation& location) {
  absl::StatusOr<SchemaStatus> status;
  if (location.is_postgres()) {
    absl::StatusOr<postgres::PgSchemaState> state =
        postgres::PostgresStore::SchemaState(PgOptions(location, OpenStoreOptions{}));
    if (state.ok()) {
      status = MakeStatus(*state);
    } else {
      status = state.status();
    }
  } else {
    status = ReadSqliteSchema(location.target);
  }
  if (!status.ok()) return InStore(location, status.status());
  return status;
}

absl::StatusOr<SchemaStatus> MigrateSchema(const StoreLocation& location,
                                           const OpenStoreOptions& options) {
  if (location.is_postgres()) {
    absl::StatusOr<std::pair<postgres::PgSchemaState, postgres::PgSchemaState>> states =
        postgres::PostgresStore::Migrate(PgOptions(location, options));
    if (!states.ok()) return InStore(location, states.status());
    return MakeStatus(states->second);
  }
  // Opening a SQLite store migrates it.
  absl::StatusOr<std::unique_ptr<Store>> store = OpenStore(location, options);
  if (!store.ok()) return store.status();
  store->reset();
  return ReadSchemaStatus(location);
}

}  // namespace flowline::store
