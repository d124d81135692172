// PostgresStore: the Store conformance suite on PostgreSQL, plus what only PostgreSQL has
// (migrations under an advisory lock, the connection pool, LISTEN/NOTIFY).
#include "store/postgres/postgres_store.h"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/postgres/pg_migrations.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/testing/pg_test_db.h"
#include "store/record_chain.h"
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

NewRun ReadyRun(const std::string& run_id, absl::Time now) {
  NewRun run;
  run.run_id = run_id;
  run.workflow = "wf";
  run.version = "v1";
  run.input_json = "{}";
  run.now = now;
  run.steps = {NewStep{"a", 0}, NewStep{kEndStepId, 1}};
  run.records = {NewRecord{"", "run.created", "system", "{}"}};
  return run;
}

// Counts wake-ups; Wait blocks until the count passes `above` (or 30 s pass: a failure, not a
// sleep: the test goes on as soon as the notification arrives).
class WakeCounter {
 public:
  void Wake() {
    std::lock_guard lock(mutex_);
    ++count_;
    changed_.notify_all();
  }
  int Wait(int above) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(30), [&] { return count_ > above; });
    return count_;
  }
  int count() {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

TEST(PostgresStoreTest, ARunCreatedByAnotherProcessWakesTheListener) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> worker = PostgresStore::Open(options);
  absl::StatusOr<std::unique_ptr<PostgresStore>> api = PostgresStore::Open(options);
  ASSERT_TRUE(worker.ok() && api.ok());
  WakeCounter wakes;
  (*worker)->SetWorkListener([&] { wakes.Wake(); });
  // The listener calls once when it starts listening (it may have missed work before).
  ASSERT_GE(wakes.Wait(0), 1);
  const int before = wakes.count();

  ASSERT_TRUE((*api)->CreateRun(ReadyRun("run-1", absl::FromUnixSeconds(1000))).ok());
  EXPECT_GT(wakes.Wait(before), before);
}

// Run `run_id` of workflow "wf" with its step "a" parked on task `task_id` (nothing claimable).
void ParkOnTask(Store& store, const std::string& run_id, const std::string& task_id) {
  NewRun run = ReadyRun(run_id, absl::FromUnixSeconds(1000));
  run.lease = LeaseRequest{"worker-1", absl::Seconds(60)};
  absl::StatusOr<CreateRunResult> created = store.CreateRun(run);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->leased.size(), 1u);
  StepCommit commit;
  commit.run_id = run_id;
  commit.step_id = "a";
  commit.lease_token = created->leased[0].lease_token;
  commit.now = absl::FromUnixSeconds(1001);
  commit.resolution = StepResolution::kWaitTask;
  commit.task = NewTask{task_id, "ap", "Approve", 0, std::nullopt, "{}", "", "", false};
  ASSERT_TRUE(store.CommitStep(commit).ok());
}

// A person deciding on one host makes the waiting step ready for the workers on every other.
TEST(PostgresStoreTest, AResolvedTaskWakesTheListener) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> worker = PostgresStore::Open(options);
  absl::StatusOr<std::unique_ptr<PostgresStore>> api = PostgresStore::Open(options);
  ASSERT_TRUE(worker.ok() && api.ok());
  ParkOnTask(**api, "run-1", "task-1");
  WakeCounter wakes;
  (*worker)->SetWorkListener([&] { wakes.Wake(); });
  ASSERT_GE(wakes.Wait(0), 1);
  const int before = wakes.count();

  TaskResolution resolution;
  resolution.task_id = "task-1";
  resolution.user = "ann";
  resolution.decision = "approve";
  resolution.resolution_json = "{}";
  resolution.now = absl::FromUnixSeconds(1002);
  ASSERT_TRUE((*api)->ResolveTask(resolution).ok());
  EXPECT_GT(wakes.Wait(before), before);
}

// Resuming a paused workflow makes its held steps claimable again.
TEST(PostgresStoreTest, ResumingAPausedWorkflowWakesTheListener) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> worker = PostgresStore::Open(options);
  absl::StatusOr<std::unique_ptr<PostgresStore>> api = PostgresStore::Open(options);
  ASSERT_TRUE(worker.ok() && api.ok());
  VersionInfo version{"wf", "v1", "workflow: wf", "wf.yaml", absl::FromUnixSeconds(1)};
  ASSERT_TRUE((*api)->PutVersion(version).ok());
  ASSERT_TRUE((*api)->SetWorkflowPaused("wf", true, "olga", absl::FromUnixSeconds(2)).ok());
  ASSERT_TRUE((*api)->CreateRun(ReadyRun("run-1", absl::FromUnixSeconds(3))).ok());
  WakeCounter wakes;
  (*worker)->SetWorkListener([&] { wakes.Wake(); });
  ASSERT_GE(wakes.Wait(0), 1);
  const int before = wakes.count();

  ASSERT_TRUE((*api)->SetWorkflowPaused("wf", false, "olga", absl::FromUnixSeconds(4)).ok());
  EXPECT_GT(wakes.Wait(before), before);
}

TEST(PostgresStoreTest, TwoStoresOnOneDatabaseAppendOneChain) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> first = PostgresStore::Open(options);
  absl::StatusOr<std::unique_ptr<PostgresStore>> second = PostgresStore::Open(options);
  ASSERT_TRUE(first.ok() && second.ok());
  constexpr int kRunsEach = 40;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    PostgresStore* store = (t % 2 == 0 ? *first : *second).get();
    threads.emplace_back([store, t] {
      for (int i = 0; i < kRunsEach; ++i) {
        NewRun run = ReadyRun("run-" + std::to_string(t) + "-" + std::to_string(i),
                              absl::FromUnixSeconds(1000 + i));
        run.records.push_back(NewRecord{"", "run.noted", "system", "{\"i\":1}"});
        EXPECT_TRUE(store->CreateRun(run).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  absl::StatusOr<std::vector<Record>> records = (*first)->ScanRecords(0, 0);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 4u * kRunsEach * 2);
  RecordHasher hasher;
  std::string prev = GenesisHash();
  for (size_t i = 0; i < records->size(); ++i) {
    const Record& record = (*records)[i];
    ASSERT_EQ(record.seq, static_cast<int64_t>(i + 1));  // no gaps, no forks
    ASSERT_EQ(record.prev_hash, prev) << "record " << record.seq;
    ASSERT_EQ(hasher.Hash(record), record.hash) << "record " << record.seq;
    prev = record.hash;
  }
  absl::StatusOr<RecordChainHead> head = (*second)->GetRecordChainHead();
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->seq, static_cast<int64_t>(records->size()));
  EXPECT_EQ(head->hash, prev);
}

TEST(PostgresStoreTest, ALeaseLostToAnotherProcessFencesTheLateCommit) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> slow = PostgresStore::Open(options);
  absl::StatusOr<std::unique_ptr<PostgresStore>> other = PostgresStore::Open(options);
  ASSERT_TRUE(slow.ok() && other.ok());
  const absl::Time t0 = absl::FromUnixSeconds(1000);
  ASSERT_TRUE((*slow)->CreateRun(ReadyRun("run-1", t0)).ok());
  auto first = (*slow)->ClaimSteps(LeaseRequest{"host-a", absl::Seconds(10)}, t0, 10);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  // Host b sees the lease expire and takes the step over.
  auto second =
      (*other)->ClaimSteps(LeaseRequest{"host-b", absl::Seconds(10)}, t0 + absl::Seconds(11), 10);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].attempt, 2);
  EXPECT_NE((*second)[0].lease_token, (*first)[0].lease_token);

  StepCommit late;
  late.run_id = "run-1";
  late.step_id = "a";
  late.lease_token = (*first)[0].lease_token;
  late.now = t0 + absl::Seconds(12);
  late.dependents = {kEndStepId};
  absl::StatusOr<CommitResult> rejected = (*slow)->CommitStep(late);
  EXPECT_EQ(rejected.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(rejected.status().message(), HasSubstr("lease"));
  auto renewed = (*slow)->RenewLeases("host-a", *first, t0 + absl::Seconds(30));
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(renewed->size(), 1u);

  late.lease_token = (*second)[0].lease_token;
  EXPECT_TRUE((*other)->CommitStep(late).ok());
}

}  // namespace
}  // namespace flowline::store::postgres
