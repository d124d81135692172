// PostgresStore: the Store conformance suite on PostgreSQL, plus what only PostgreSQL has
// (migrations under an advisory lock, the connection pool, LISTEN/NOTIFY).
#include "store/postgres/postgres_store.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/testing/pg_test_db.h"
#include "store/store_conformance.h"

namespace flowline::store::postgres {
namespace {

using ::flowline::store::testing::StoreConformanceTest;
using ::flowline::store::testing::StoreFactory;
using ::flowline::store::testing::StoreFactoryName;
using ::testing::HasSubstr;
using ::testing::Not;

std::unique_ptr<Store> MakeEmptyStore() {
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = testing::FreshSchemaStore();
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"postgres", &MakeEmptyStore}),
                         StoreFactoryName);

PostgresStoreOptions FreshOptions() {
  absl::StatusOr<PostgresStoreOptions> options = testing::FreshSchemaOptions();
  EXPECT_TRUE(options.ok()) << options.status();
  return options.ok() ? *options : PostgresStoreOptions{};
}

TEST(PostgresStoreTest, OpenAppliesTheMigrationsOnceAndMigrateThenFindsNothingPending) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<PgSchemaState> before = PostgresStore::SchemaState(options);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->applied, 0);
  EXPECT_EQ(before->latest, LatestPgSchemaVersion());

  ASSERT_TRUE(PostgresStore::Open(options).ok());
  auto migrated = PostgresStore::Migrate(options);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_EQ(migrated->first.applied, LatestPgSchemaVersion());
  EXPECT_EQ(migrated->second.applied, LatestPgSchemaVersion());
  // Opening again changes nothing (no error for the tables that already exist).
  ASSERT_TRUE(PostgresStore::Open(options).ok());
}

TEST(PostgresStoreTest, ConcurrentOpensOfANewSchemaMigrateItOnce) {
  PostgresStoreOptions options = FreshOptions();
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] { results[i] = PostgresStore::Open(options).status(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::Status& result : results) EXPECT_TRUE(result.ok()) << result;
  absl::StatusOr<PgSchemaState> state = PostgresStore::SchemaState(options);
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->applied, LatestPgSchemaVersion());
}

TEST(PostgresStoreTest, ASchemaFromANewerFlowlineIsRefused) {
  PostgresStoreOptions options = FreshOptions();
  ASSERT_TRUE(PostgresStore::Open(options).ok());
  pqxx::connection connection(options.conninfo);
  pqxx::work work(connection);
  work.exec("INSERT INTO " + QuoteIdentifier(options.schema) +
            ".schema_migrations (version, applied_at) VALUES (" +
            std::to_string(LatestPgSchemaVersion() + 1) + ", 0)");
  work.commit();

  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer flowline"));
}

TEST(PostgresStoreTest, WithoutMigrateAnUnmigratedSchemaIsRefusedWithWhatToRun) {
  PostgresStoreOptions options = FreshOptions();
  options.migrate = false;
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("flowline migrate"));
}

TEST(PostgresStoreTest, AnUnreachableServerIsUnavailableAndThePasswordIsNeverPrinted) {
  PostgresStoreOptions options;
  options.conninfo = "host=127.0.0.1 port=1 user=flowline password=s3cret-word connect_timeout=2";
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(store.status().message(), Not(HasSubstr("s3cret")));

  options.conninfo = "";
  EXPECT_EQ(PostgresStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PgPoolTest, RedactConninfoHidesPasswordsInKeyValueAndUrlForms) {
  EXPECT_EQ(RedactConninfo("host=db password=abc user=x"), "host=db password=*** user=x");
  EXPECT_EQ(RedactConninfo("host=db password = 'a b\\'c' user=x"), "host=db password = *** user=x");
  EXPECT_EQ(RedactConninfo("postgresql://me:pa%40ss@db:5432/flow"),
            "postgresql://me:***@db:5432/flow");
  EXPECT_EQ(RedactConninfo("postgres://db/flow"), "postgres://db/flow");
}

TEST(PgPoolTest, ErrorsNameTheStatementAndSqlstateButNotTheValues) {
  PostgresStoreOptions options = FreshOptions();
  ASSERT_TRUE(PostgresStore::Open(options).ok());
  absl::StatusOr<std::unique_ptr<PgPool>> pool =
      PgPool::Open(PgPoolOptions{options.conninfo, options.schema, 2});
  ASSERT_TRUE(pool.ok()) << pool.status();
  static constexpr PgQuery kInsert{"test_insert_user",
                                   "INSERT INTO users (name, role, password_hash, created_at) "
                                   "VALUES ($1, 'admin', '', 0)"};
  ASSERT_TRUE((*pool)
                  ->Run("adding",
                        [](PgTx& tx) {
                          tx.Exec(kInsert, {"private-person"});
                          return absl::OkStatus();
                        })
                  .ok());
  absl::Status again = (*pool)->Run("adding again", [](PgTx& tx) {
    tx.Exec(kInsert, {"private-person"});
    return absl::OkStatus();
  });
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(again.message(), HasSubstr("adding again: statement test_insert_user"));
  EXPECT_THAT(again.message(), HasSubstr("SQLSTATE 23505"));
  EXPECT_THAT(again.message(), Not(HasSubstr("private-person")));
  // A refused transaction is rolled back; the pool's counters saw one commit.
  EXPECT_EQ((*pool)->counters().transactions, 1);
}

}  // namespace
}  // namespace flowline::store::postgres
