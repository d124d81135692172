#include "store/postgres/postgres_store.h"

#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_pool.h"

namespace flowline::store::postgres {
namespace {

absl::Status CheckOptions(const PostgresStoreOptions& options) {
  if (options.conninfo.empty()) {
    return absl::InvalidArgumentError(
        "PostgreSQL store: no conninfo (give a postgresql:// URL or host=... dbname=...)");
  }
  if (options.connections < 1) {
    return absl::InvalidArgumentError(absl::StrCat("PostgreSQL store: connections is ",
                                                   options.connections, "; it must be at least 1"));
  }
  if (options.schema.empty()) {
    return absl::InvalidArgumentError("PostgreSQL store: the schema name is empty");
  }
  return absl::OkStatus();
}

absl::Time NowOf(const PostgresStoreOptions& options) {
  return options.clock != nullptr ? options.clock->Now() : absl::Now();
}

// A single connection for schema work (migrations hold a session advisory lock).
absl::StatusOr<std::unique_ptr<pqxx::connection>> SchemaConnection(
    const PostgresStoreOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool,
                   PgPool::Open(PgPoolOptions{options.conninfo, options.schema, 1}));
  return pool->Connect();
}

}  // namespace

PostgresStore::PostgresStore(PostgresStoreOptions options, std::unique_ptr<PgPool> pool)
    : options_(std::move(options)), pool_(std::move(pool)) {}

PostgresStore::~PostgresStore() {
  stopping_ = true;
  if (listener_.joinable()) listener_.join();
}

absl::StatusOr<std::unique_ptr<PostgresStore>> PostgresStore::Open(
    const PostgresStoreOptions& options) {
  RETURN_IF_ERROR(CheckOptions(options));
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> schema, SchemaConnection(options));
  if (options.migrate) {
    RETURN_IF_ERROR(MigratePg(*schema, options.schema, NowOf(options)).status());
  } else {
    ASSIGN_OR_RETURN(int applied, PgSchemaVersion(*schema));
    if (applied != LatestPgSchemaVersion()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the PostgreSQL schema ", options.schema, " is at version ", applied,
                       " but this flowline needs version ", LatestPgSchemaVersion(),
                       applied < LatestPgSchemaVersion()
                           ? ": run `flowline migrate` first"
                           : ": it was written by a newer flowline; upgrade flowline to use it"));
    }
  }
  schema.reset();
  ASSIGN_OR_RETURN(
      std::unique_ptr<PgPool> pool,
      PgPool::Open(PgPoolOptions{options.conninfo, options.schema, options.connections}));
  return std::unique_ptr<PostgresStore>(new PostgresStore(options, std::move(pool)));
}

absl::StatusOr<std::pair<PgSchemaState, PgSchemaState>> PostgresStore::Migrate(
    const PostgresStoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, SchemaConnection(options));
  ASSIGN_OR_RETURN(int before, PgSchemaVersion(*connection));
  RETURN_IF_ERROR(MigratePg(*connection, options.schema, NowOf(options)).status());
  ASSIGN_OR_RETURN(int after, PgSchemaVersion(*connection));
  ASSIGN_OR_RETURN(auto applied_at, PgAppliedMigrations(*connection));
  return std::make_pair(PgSchemaState{before, LatestPgSchemaVersion(), {}},
                        PgSchemaState{after, LatestPgSchemaVersion(), std::move(applied_at)});
}

absl::StatusOr<PgSchemaState> PostgresStore::SchemaState(const PostgresStoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<pqxx::connection> connection, SchemaConnection(options));
  ASSIGN_OR_RETURN(int applied, PgSchemaVersion(*connection));
  ASSIGN_OR_RETURN(auto applied_at, PgAppliedMigrations(*connection));
  return PgSchemaState{applied, LatestPgSchemaVersion(), std::move(applied_at)};
}

PgCounters PostgresStore::counters() const { return pool_->counters(); }

void PostgresStore::SetWorkListener(std::function<void()> on_work) {
  if (listener_.joinable() || !on_work) return;
  listener_ = std::thread([this, on_work = std::move(on_work)] { ListenLoop(on_work); });
}

namespace {

class WorkReceiver final : public pqxx::notification_receiver {
 public:
  WorkReceiver(pqxx::connection_base& connection, const std::function<void()>& on_work)
      : pqxx::notification_receiver(connection, "flowline_work"), on_work_(on_work) {}
  void operator()(const std::string& /*payload*/, int /*backend_pid*/) override { on_work_(); }

 private:
  const std::function<void()>& on_work_;
};

}  // namespace

void PostgresStore::ListenLoop(std::function<void()> on_work) {
  // Wakes up at least every 200 ms to see whether the store is closing. A broken connection is
  // re-opened after a pause; the engine's polling covers the wake-ups missed meanwhile, and one
  // wake-up after reconnecting makes it look at once.
  while (!stopping_) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> connection = pool_->Connect();
    if (!connection.ok()) {
      for (int i = 0; i < 10 && !stopping_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      continue;
    }
    try {
      WorkReceiver receiver(**connection, on_work);
      on_work();
      while (!stopping_) (*connection)->await_notification(0, 200'000);
    } catch (const std::exception&) {
      // The connection broke: open another one.
    }
  }
}

}  // namespace flowline::store::postgres
