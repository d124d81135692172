// SqliteStore: the Store conformance suite, plus what only SQLite has (files, migrations, WAL,
// group commit).
#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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
    ASSERT_OK(store->PutToken(testing::Token("t1", "ci", "admin", "h1", At(0))));
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

// A request that fails after it has written (here: the fenced step update succeeds, then a
// dependent turns out not to exist) must leave none of its writes behind, even when it shared
// its transaction with requests that commit.
TEST(SqliteStoreTest, ARequestFailingAfterItsFirstWriteLeavesNothingInItsBatch) {
  std::unique_ptr<SqliteStore> store = OpenAt(TempDir::NewDatabase());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 16;
  constexpr int kRunsPerThread = 20;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsPerThread; ++i) {
        NewRun run = SimpleRun(absl::StrCat("run-", t, "-", i));
        run.lease = LeaseRequest{"w", absl::Seconds(60)};
        absl::StatusOr<CreateRunResult> created = store->CreateRun(run);
        if (!created.ok() || created->leased.size() != 1) {
          ++unexpected;
          continue;
        }
        const ClaimedStep& a = created->leased[0];
        StepCommit commit;
        commit.run_id = a.run_id;
        commit.step_id = a.step_id;
        commit.lease_token = a.lease_token;
        commit.now = At(1);
        commit.output_json = "{}";
        commit.dependents = {t % 2 == 0 ? std::string(kEndStepId) : std::string("missing")};
        commit.records.push_back(NewRecord{"a", "step.completed", "system", "{}"});
        if ((t % 2 == 0) != store->CommitStep(commit).ok()) ++unexpected;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kRunsPerThread; ++i) {
      const std::string run_id = absl::StrCat("run-", t, "-", i);
      ASSERT_OK_AND_ASSIGN(RunDetail detail, store->GetRunDetail(run_id));
      ASSERT_EQ(detail.steps.size(), 2u);
      EXPECT_EQ(detail.steps[0].status, t % 2 == 0 ? StepStatus::kCompleted : StepStatus::kRunning)
          << run_id;
      EXPECT_EQ(detail.steps[1].deps_remaining, t % 2 == 0 ? 0 : 1) << run_id;
      ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store->ListRecords(run_id));
      EXPECT_EQ(records.size(), t % 2 == 0 ? 1u : 0u) << run_id;
    }
  }
}

// CPU seconds the writer thread ("flowline-writer") of this process has used, from /proc.
double WriterCpuSeconds() {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != "flowline-writer") continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::vector<std::string> values{std::istream_iterator<std::string>(fields), {}};
    if (values.size() < 13) return 0;
    return (std::stod(values[11]) + std::stod(values[12])) / sysconf(_SC_CLK_TCK);
  }
  return 0;
}

// Not a timed assertion: a smoke measurement of the engine's hot path, run by hand with
//   flowline_sqlite_store_test --gtest_also_run_disabled_tests --gtest_filter=*Throughput*
// 16 threads each create a run (a → b → c → $end, a leased eagerly) and commit its three steps
// with lease_next, as the engine does, for 2 seconds.
TEST(SqliteStoreTest, DISABLED_ThroughputSmoke) {
  SqliteStoreOptions options;
  options.path = TempDir::NewDatabase();
  // FLOWLINE_SMOKE_NOSYNC=1 measures the CPU cost alone (synchronous=NORMAL: no fsync per commit).
  options.synchronous_full = getenv("FLOWLINE_SMOKE_NOSYNC") == nullptr;
  absl::StatusOr<std::unique_ptr<SqliteStore>> opened = SqliteStore::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<SqliteStore> store = *std::move(opened);
  // FLOWLINE_SMOKE_THREADS overrides the number of client threads (default 16).
  const int kThreads =
      getenv("FLOWLINE_SMOKE_THREADS") != nullptr ? atoi(getenv("FLOWLINE_SMOKE_THREADS")) : 16;
  // FLOWLINE_SMOKE_SECONDS overrides how long it runs (default 2).
  const absl::Duration kRunFor = absl::Seconds(
      getenv("FLOWLINE_SMOKE_SECONDS") != nullptr ? atoi(getenv("FLOWLINE_SMOKE_SECONDS")) : 2);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> runs_done{0};
  std::atomic<int64_t> next_id{0};
  std::atomic<int> errors{0};
  auto worker = [&](int thread) {
    const std::string owner = absl::StrCat("worker-", thread);
    const LeaseRequest lease{owner, absl::Seconds(60)};
    while (!stop.load(std::memory_order_relaxed)) {
      const absl::Time now = absl::Now();
      NewRun run;
      // Time-ordered ids, like common::NewId's: new keys append to the right of each index.
      run.run_id = absl::StrFormat("run_%012x", next_id.fetch_add(1));
      run.workflow = "invoice-approval";
      run.version = "4f1c2a9e0b7d";
      run.input_json = R"({"id":"INV-1001","total":1234.5,"lines":[{"qty":2,"price":617.25}]})";
      run.now = now;
      run.steps = {{"validate", 0}, {"classify", 1}, {"approve", 1}, {kEndStepId, 1}};
      run.lease = lease;
      run.records.push_back(NewRecord{"", "run.created", "system", R"({"trigger":"api"})"});
      absl::StatusOr<CreateRunResult> created = store->CreateRun(run);
      if (!created.ok() || created->leased.size() != 1) {
        ++errors;
        return;
      }
      ClaimedStep claim = created->leased[0];
      const std::vector<std::vector<std::string>> next = {{"classify"}, {"approve"}, {kEndStepId}};
      for (int step = 0; step < 3; ++step) {
        StepCommit commit;
        commit.run_id = claim.run_id;
        commit.step_id = claim.step_id;
        commit.lease_token = claim.lease_token;
        commit.now = now;
        commit.params_json = R"({"threshold":0.9})";
        commit.output_json = R"({"ok":true,"label":"standard","confidence":0.97})";
        commit.confidence = 0.97;
        commit.duration_us = 120;
        commit.dependents = next[step];
        commit.records.push_back(NewRecord{claim.step_id, "step.completed", "system", "{}"});
        if (step < 2) {
          commit.lease_next = lease;
        } else {
          commit.finish = RunFinish{RunStatus::kCompleted, R"({"outcome":"approve"})", ""};
        }
        absl::StatusOr<CommitResult> result = store->CommitStep(commit);
        if (!result.ok() || (step < 2 && result->leased.size() != 1)) {
          ADD_FAILURE() << result.status();
          ++errors;
          return;
        }
        if (step < 2) claim = result->leased[0];
      }
      runs_done.fetch_add(1, std::memory_order_relaxed);
    }
  };
  const SqliteStore::Stats before = store->stats();
  const double writer_cpu_before = WriterCpuSeconds();
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  absl::SleepFor(kRunFor);
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  const SqliteStore::Stats after = store->stats();
  const double writer_cpu = WriterCpuSeconds() - writer_cpu_before;
  EXPECT_EQ(errors.load(), 0);
  const int64_t transactions = after.transactions - before.transactions;
  const int64_t requests = after.requests - before.requests;
  std::printf(
      "runs/s: %.0f  (runs %lld in %.2f s; %lld requests in %lld transactions, "
      "%.1f per commit; largest batch %lld)\n",
      static_cast<double>(runs_done.load()) / seconds, static_cast<long long>(runs_done.load()),
      seconds, static_cast<long long>(requests), static_cast<long long>(transactions),
      transactions > 0 ? static_cast<double>(requests) / transactions : 0.0,
      static_cast<long long>(after.largest_batch));
  std::printf("writer thread CPU: %.2f s, %.0f us per run; WAL file %.1f MiB\n", writer_cpu,
              runs_done.load() > 0 ? writer_cpu * 1e6 / runs_done.load() : 0.0,
              std::filesystem::file_size(options.path + "-wal") / 1048576.0);
}

}  // namespace
}  // namespace flowline::store::sqlite
