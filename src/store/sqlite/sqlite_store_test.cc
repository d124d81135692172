// SqliteStore: the Store conformance suite, plus what only SQLite has (files, migrations, WAL,
// group commit).
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sqlite/migrations.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::sqlite {
namespace {

using ::flowline::store::testing::StoreConformanceTest;
using ::flowline::store::testing::StoreFactory;
using ::flowline::store::testing::StoreFactoryName;
using ::testing::HasSubstr;

// A directory for this process's databases, removed when the tests end.
class TempDir : public ::testing::Environment {
 public:
  static const std::filesystem::path& Path() {
    static const std::filesystem::path path = [] {
      std::string pattern = (std::filesystem::temp_directory_path() / "flowline-store-XXXXXX");
      char* made = mkdtemp(pattern.data());
      EXPECT_NE(made, nullptr) << "cannot create a temporary directory";
      return std::filesystem::path(pattern);
    }();
    return path;
  }
  // A database path no test has used yet.
  static std::string NewDatabase() {
    static std::atomic<int> counter{0};
    return (Path() / absl::StrCat("store-", counter.fetch_add(1), ".db")).string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(Path(), ignored);
  }
};

const ::testing::Environment* const kTempDir = ::testing::AddGlobalTestEnvironment(new TempDir);

std::unique_ptr<Store> MakeEmptyStore() {
  SqliteStoreOptions options;
  options.path = TempDir::NewDatabase();
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return nullptr;
  return *std::move(store);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreFactory{"sqlite", &MakeEmptyStore}),
                         StoreFactoryName);

std::unique_ptr<SqliteStore> OpenAt(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

absl::Time At(int seconds) { return absl::FromUnixSeconds(1'700'000'000 + seconds); }

NewRun SimpleRun(const std::string& run_id) {
  NewRun run;
  run.run_id = run_id;
  run.workflow = "wf";
  run.version = "v1";
  run.input_json = "{}";
  run.now = At(0);
  run.steps = {{"a", 0}, {kEndStepId, 1}};
  return run;
}

// Runs `sql` on its own connection to `path` (outside the store), e.g. to tamper with it.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// The single integer a query on its own connection to `path` returns.
int64_t RawQueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  int64_t value = -1;
  if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

TEST(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  const std::string path = TempDir::NewDatabase();
  std::string token;
  {
    std::unique_ptr<SqliteStore> store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    NewRun run = SimpleRun("r1");
    run.lease = LeaseRequest{"w", absl::Seconds(60)};
    ASSERT_OK_AND_ASSIGN(CreateRunResult created, store->CreateRun(run));
    ASSERT_EQ(created.leased.size(), 1u);
    token = created.leased[0].lease_token;
    ASSERT_OK(store->PutToken(TokenInfo{"t1", "ci", "admin", "h1", At(0), false}));
  }
  std::unique_ptr<SqliteStore> store = OpenAt(path);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(RunDetail detail, store->GetRunDetail("r1"));
  EXPECT_EQ(detail.steps[0].status, StepStatus::kRunning);
  EXPECT_EQ(detail.steps[0].lease_token, token);
  ASSERT_OK(store->FindToken("h1").status());
  // After a restart the embedded engine takes over what was in flight; new tokens never
  // collide with the old ones.
  ASSERT_OK_AND_ASSIGN(int expired, store->ExpireAllLeases());
  EXPECT_EQ(expired, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<ClaimedStep> claimed,
                       store->ClaimSteps(LeaseRequest{"w2", absl::Seconds(60)}, At(1), 10));
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_NE(claimed[0].lease_token, token);
  EXPECT_EQ(claimed[0].attempt, 2);
}

TEST(SqliteStoreTest, MigrationsAreRecordedAndAppliedOnce) {
  const std::string path = TempDir::NewDatabase();
  ASSERT_NE(OpenAt(path), nullptr);
  const std::string count = "SELECT count(*) FROM schema_migrations";
  const std::string latest = "SELECT max(version) FROM schema_migrations";
  const std::string applied = "SELECT sum(applied_at) FROM schema_migrations";
  EXPECT_EQ(RawQueryInt(path, count), LatestSchemaVersion());
  EXPECT_EQ(RawQueryInt(path, latest), LatestSchemaVersion());
  const int64_t applied_at = RawQueryInt(path, applied);
  {
    std::unique_ptr<SqliteStore> store = OpenAt(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateRun(SimpleRun("r1")).status());
  }
  ASSERT_NE(OpenAt(path), nullptr);
  EXPECT_EQ(RawQueryInt(path, count), LatestSchemaVersion());
  EXPECT_EQ(RawQueryInt(path, applied), applied_at);
  EXPECT_EQ(RawQueryInt(path, "SELECT count(*) FROM runs"), 1);
}

TEST(SqliteStoreTest, DatabaseFromANewerFlowlineIsRefused) {
  const std::string path = TempDir::NewDatabase();
  ASSERT_NE(OpenAt(path), nullptr);
  RawExec(path, absl::StrCat("INSERT INTO schema_migrations VALUES (", LatestSchemaVersion() + 1,
                             ", 0)"));
  SqliteStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.status().message(), HasSubstr("newer flowline"));
}

TEST(SqliteStoreTest, BadOptionsAreRefused) {
  SqliteStoreOptions options;
  EXPECT_EQ(SqliteStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.path = ":memory:";
  EXPECT_EQ(SqliteStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.path = TempDir::NewDatabase();
  options.max_batch = 0;
  EXPECT_EQ(SqliteStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  options.path = (TempDir::Path() / "no-such-dir" / "x.db").string();
  options.max_batch = 16;
  EXPECT_FALSE(SqliteStore::Open(options).ok());
}

TEST(SqliteStoreTest, NotADatabaseIsAnErrorNotACrash) {
  const std::string path = TempDir::NewDatabase();
  RawExec(path, "");  // creates an empty file
  {
    FILE* file = fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr);
    std::string garbage(8192, 'x');
    fwrite(garbage.data(), 1, garbage.size(), file);
    fclose(file);
  }
  SqliteStoreOptions options;
  options.path = path;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(path));
}

TEST(SqliteStoreTest, WalAndFullSynchronousAreInEffect) {
  std::unique_ptr<SqliteStore> store = OpenAt(TempDir::NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(std::string journal, store->Pragma("journal_mode"));
  EXPECT_EQ(journal, "wal");
  ASSERT_OK_AND_ASSIGN(std::string synchronous, store->Pragma("synchronous"));
  EXPECT_EQ(synchronous, "2");  // FULL
  EXPECT_EQ(store->Pragma("synchronous; DROP TABLE runs").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreTest, ConcurrentWritersShareTransactions) {
  std::unique_ptr<SqliteStore> store = OpenAt(TempDir::NewDatabase());
  ASSERT_NE(store, nullptr);
  const SqliteStore::Stats before = store->stats();
  constexpr int kThreads = 16;
  constexpr int kRunsPerThread = 50;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsPerThread; ++i) {
        if (!store->CreateRun(SimpleRun(absl::StrCat("r", t, "-", i))).ok()) ++errors;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  const SqliteStore::Stats after = store->stats();
  const int64_t requests = after.requests - before.requests;
  const int64_t transactions = after.transactions - before.transactions;
  EXPECT_EQ(requests, kThreads * kRunsPerThread);
  EXPECT_LT(transactions, requests) << "no two concurrent writes shared a commit";
  EXPECT_GT(after.largest_batch, 1);
}

TEST(SqliteStoreTest, AFailingRequestDoesNotAffectItsBatchNeighbours) {
  std::unique_ptr<SqliteStore> store = OpenAt(TempDir::NewDatabase());
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateRun(SimpleRun("taken")).status());
  // Half the threads create new runs, half collide with an existing run id; run them together
  // until at least one batch held both kinds.
  constexpr int kThreads = 16;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        NewRun run = SimpleRun(t % 2 == 0 ? absl::StrCat("new-", t, "-", i) : "taken");
        NewRecord record{"", "run.created", "system", "{}"};
        run.records.push_back(record);
        absl::StatusOr<CreateRunResult> result = store->CreateRun(run);
        if ((t % 2 == 0) != result.ok()) ++unexpected;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  RunFilter all;
  all.limit = 1000;
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store->ListRuns(all));
  EXPECT_EQ(runs.size(), 1u + kThreads / 2 * 20);
  for (const store::Run& run : runs) {
    if (run.run_id == "taken") continue;
    ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store->ListRecords(run.run_id));
    EXPECT_EQ(records.size(), 1u) << run.run_id;
  }
  ASSERT_OK_AND_ASSIGN(std::vector<Record> taken, store->ListRecords("taken"));
  EXPECT_TRUE(taken.empty());  // the failed duplicates left no records behind
  const SqliteStore::Stats stats = store->stats();
  EXPECT_GE(stats.failed_requests, kThreads / 2 * 20);
}

}  // namespace
}  // namespace flowline::store::sqlite
