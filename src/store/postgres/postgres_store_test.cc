// PostgresStore: the Store conformance suite on PostgreSQL, plus what only PostgreSQL has
// (migrations under an advisory lock, the connection pool, LISTEN/NOTIFY).
#include "store/postgres/postgres_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
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

  const absl::Time start = absl::Now();
  ASSERT_TRUE(PostgresStore::Open(options).ok());
  auto migrated = PostgresStore::Migrate(options);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  EXPECT_EQ(migrated->first.applied, LatestPgSchemaVersion());
  EXPECT_EQ(migrated->second.applied, LatestPgSchemaVersion());
  // When each was applied (migrate --status shows it).
  absl::StatusOr<PgSchemaState> after = PostgresStore::SchemaState(options);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(after->applied_at.size(), static_cast<size_t>(LatestPgSchemaVersion()));
  for (int i = 0; i < LatestPgSchemaVersion(); ++i) {
    EXPECT_EQ(after->applied_at[i].first, i + 1);
    EXPECT_GE(after->applied_at[i].second, start - absl::Microseconds(1));
    EXPECT_LE(after->applied_at[i].second, absl::Now());
  }
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

// A name built while the transaction runs, scribbled over when it goes (as freed memory may be).
struct ScribbledName {
  std::string text;
  ~ScribbledName() { std::fill(text.begin(), text.end(), '#'); }
};

TEST(PgPoolTest, AFailureNamesItsStatementAfterABuiltNameIsGone) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PgPool>> pool =
      PgPool::Open(PgPoolOptions{options.conninfo, "public", 1});
  ASSERT_TRUE(pool.ok()) << pool.status();
  absl::Status status = (*pool)->Run("dividing", [](PgTx& tx) {
    ScribbledName name{absl::StrCat("test_divide_", 7, "_by_zero")};
    tx.Exec(PgQuery{name.text.c_str(), "SELECT 1 / 0"});
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), HasSubstr("dividing: statement test_divide_7_by_zero"));
  EXPECT_THAT(status.message(), HasSubstr("SQLSTATE 22012"));
}

// Listings sort text bytewise, as SQLite does, in a database whose locale sorts otherwise.
TEST(PostgresStoreTest, WorkflowsAreListedInByteOrderWhateverTheDatabasesCollation) {
  PostgresStoreOptions options = FreshOptions();
  const std::string database = options.schema + "_icu";
  {
    pqxx::connection admin(options.conninfo);
    pqxx::nontransaction create(admin);
    create.exec("CREATE DATABASE " + QuoteIdentifier(database) +
                " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LOCALE 'C'");
    // The locale's own order, for contrast: a before B.
    ASSERT_TRUE(create.exec("SELECT 'a' < 'B' COLLATE \"en-x-icu\"")[0][0].as<bool>());
  }
  options.conninfo += " dbname=" + database;
  {
    absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    for (const char* workflow : {"b-flow", "B-flow", "a-flow", "Z-flow"}) {
      VersionInfo version{workflow, "v1", "workflow: x", "x.yaml", absl::FromUnixSeconds(1)};
      ASSERT_TRUE((*store)->PutVersion(version).ok());
    }
    absl::StatusOr<std::vector<WorkflowInfo>> workflows = (*store)->ListWorkflows();
    ASSERT_TRUE(workflows.ok()) << workflows.status();
    std::vector<std::string> names;
    for (const WorkflowInfo& workflow : *workflows) names.push_back(workflow.workflow);
    EXPECT_THAT(names, ::testing::ElementsAre("B-flow", "Z-flow", "a-flow", "b-flow"));
  }
  pqxx::connection admin(FreshOptions().conninfo);
  pqxx::nontransaction drop(admin);
  drop.exec("DROP DATABASE " + QuoteIdentifier(database) + " WITH (FORCE)");
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

// Ann approves task `task_id`.
TaskResolution AnnApproves(const std::string& task_id) {
  TaskResolution resolution;
  resolution.task_id = task_id;
  resolution.user = "ann";
  resolution.decision = "approve";
  resolution.resolution_json = "{}";
  resolution.now = absl::FromUnixSeconds(1002);
  return resolution;
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

  ASSERT_TRUE((*api)->ResolveTask(AnnApproves("task-1")).ok());
  EXPECT_GT(wakes.Wait(before), before);
}

// A resolution takes the run's row before the task's, as a step commit does (run, steps, then
// the run's tasks when it finishes it): with a commit of the run in progress, it waits and holds
// nothing the commit may need next.
TEST(PostgresStoreTest, AResolutionWaitsForTheRunsRowBeforeItLocksTheTask) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ParkOnTask(**store, "run-1", "task-1");

  // A step commit of run-1 in progress: it holds the run's row, as LockRun takes it.
  pqxx::connection committer(options.conninfo);
  pqxx::work commit(committer);
  commit.exec("SET LOCAL search_path TO " + QuoteIdentifier(options.schema));
  commit.exec("SELECT 1 FROM runs WHERE run_id = 'run-1' FOR NO KEY UPDATE");

  TaskResolution resolution = AnnApproves("task-1");
  absl::StatusOr<Task> resolved = absl::UnknownError("not yet");
  std::thread resolver([&] { resolved = (*store)->ResolveTask(resolution); });

  // Wait (a bounded poll of the server's lock table, no sleep) until the resolution waits for a
  // row lock held by the commit.
  pqxx::connection observer(options.conninfo);
  bool waiting = false;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(20);
       !waiting && absl::Now() < deadline;) {
    pqxx::nontransaction look(observer);
    waiting = look.exec_params(
                      "SELECT count(*) > 0 FROM pg_locks WHERE NOT granted AND pid IN "
                      "(SELECT pid FROM pg_stat_activity WHERE datname = "
                      "current_database() AND pid <> $1 AND pid <> pg_backend_pid())",
                      committer.backendpid())[0][0]
                  .as<bool>();
  }
  EXPECT_TRUE(waiting) << "the resolution did not wait for the run's row";
  {
    // Meanwhile the task is free: the commit could cancel it without waiting for the resolution.
    pqxx::work other(observer);
    other.exec("SET LOCAL search_path TO " + QuoteIdentifier(options.schema));
    EXPECT_NO_THROW(other.exec("SELECT 1 FROM tasks WHERE task_id = 'task-1' FOR UPDATE NOWAIT"));
    other.abort();
  }
  commit.commit();
  resolver.join();
  ASSERT_TRUE(resolved.ok()) << resolved.status();
  EXPECT_EQ(resolved->status, TaskStatus::kResolved);
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

// Every record of the chain in seq order links to the one before and hashes as
// store/record_chain.h says; returns the chain.
std::vector<Record> ExpectOneValidChain(Store& store) {
  absl::StatusOr<std::vector<Record>> records = store.ScanRecords(0, 0);
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return {};
  RecordHasher hasher;
  std::string prev = GenesisHash();
  for (size_t i = 0; i < records->size(); ++i) {
    const Record& record = (*records)[i];
    EXPECT_EQ(record.seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(record.prev_hash, prev) << "record " << record.seq;
    EXPECT_EQ(hasher.Hash(record), record.hash) << "record " << record.seq;
    prev = record.hash;
  }
  return *std::move(records);
}

int64_t CountRows(const PostgresStoreOptions& options, const std::string& table) {
  pqxx::connection connection(options.conninfo);
  pqxx::work work(connection);
  return work.exec("SELECT count(*) FROM " + QuoteIdentifier(options.schema) + "." + table)[0][0]
      .as<int64_t>();
}

// What a writer leaves when it dies (or its connection breaks) between its COMMIT and its link
// call: one batch of `count` records committed to records_pending, not yet in the chain.
void LeavePendingBatch(const PostgresStoreOptions& options, const std::string& run_id, int count) {
  pqxx::connection connection(options.conninfo);
  pqxx::work work(connection);
  work.exec("SET search_path TO " + QuoteIdentifier(options.schema));
  work.exec("SELECT nextval('records_pending_batch')");
  for (int n = 1; n <= count; ++n) {
    work.exec_params(
        "INSERT INTO records_pending (batch, n, run_id, step_id, kind, actor, payload_json, at, "
        "version) VALUES (currval('records_pending_batch'), $1, $2, '', 'left', 'system', '{}', "
        "5, 'v1')",
        n, run_id);
  }
  work.commit();
}

TEST(PostgresStoreTest, RecordsLeftPendingByALostLinkAreLinkedByTheNextRead) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_TRUE((*store)->CreateRun(ReadyRun("run-1", absl::FromUnixSeconds(1))).ok());
  EXPECT_EQ(CountRows(options, "records"), 1);
  EXPECT_EQ(CountRows(options, "records_pending"), 0);  // the call linked its record
  LeavePendingBatch(options, "run-1", 2);
  ASSERT_EQ(CountRows(options, "records_pending"), 2);

  // Each read of the chain links first: the records of run-1 are complete, in batch order.
  absl::StatusOr<std::vector<Record>> run_records = (*store)->ListRecords("run-1");
  ASSERT_TRUE(run_records.ok()) << run_records.status();
  ASSERT_EQ(run_records->size(), 3u);
  EXPECT_EQ((*run_records)[1].kind, "left");
  EXPECT_EQ((*run_records)[1].seq, 2);
  EXPECT_EQ((*run_records)[2].seq, 3);
  EXPECT_EQ(CountRows(options, "records_pending"), 0);

  LeavePendingBatch(options, "run-1", 1);
  absl::StatusOr<RecordChainHead> head = (*store)->GetRecordChainHead();
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->seq, 4);
  std::vector<Record> chain = ExpectOneValidChain(**store);
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(head->hash, chain.back().hash);
}

TEST(PostgresStoreTest, AnAppendLinksTheRecordsOthersLeftPendingBeforeItReturns) {
  PostgresStoreOptions options = FreshOptions();
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  LeavePendingBatch(options, "run-0", 2);
  LeavePendingBatch(options, "run-0", 1);
  ASSERT_TRUE((*store)->CreateRun(ReadyRun("run-1", absl::FromUnixSeconds(1))).ok());
  // Counted without a read of the store (which would link): the writer's link took them all.
  EXPECT_EQ(CountRows(options, "records_pending"), 0);
  EXPECT_EQ(CountRows(options, "records"), 4);
  std::vector<Record> chain = ExpectOneValidChain(**store);
  ASSERT_EQ(chain.size(), 4u);
  EXPECT_EQ(chain[0].run_id, "run-0");
  EXPECT_EQ(chain[3].run_id, "run-1");
  EXPECT_EQ(chain[3].kind, "run.created");
}

// Several processes (fork: each its own store, connections and hasher) append at once; the
// chain stays one, without gaps, and every call's records stay together and in order.
TEST(PostgresStoreTest, ProcessesAppendingAtOnceExtendOneChain) {
  PostgresStoreOptions options = FreshOptions();
  ASSERT_TRUE(PostgresStore::Open(options).ok());  // migrated before the processes start
  constexpr int kProcesses = 4;
  constexpr int kThreads = 3;
  constexpr int kRunsEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      bool ok = true;
      absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
      if (!store.ok()) _exit(2);
      std::vector<std::thread> threads;
      std::mutex mutex;
      for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
          for (int i = 0; i < kRunsEach; ++i) {
            NewRun run =
                ReadyRun(absl::StrCat("p", p, "-t", t, "-", i), absl::FromUnixSeconds(1000 + i));
            run.records.push_back(NewRecord{"", "run.noted", "system", R"({"second":true})"});
            absl::Status status = (*store)->CreateRun(run).status();
            std::lock_guard lock(mutex);
            ok = ok && status.ok();
          }
        });
      }
      for (std::thread& thread : threads) thread.join();
      _exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  absl::StatusOr<std::unique_ptr<PostgresStore>> store = PostgresStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  std::vector<Record> chain = ExpectOneValidChain(**store);
  ASSERT_EQ(chain.size(), static_cast<size_t>(kProcesses * kThreads * kRunsEach * 2));
  for (size_t i = 0; i + 1 < chain.size(); i += 2) {
    EXPECT_EQ(chain[i].run_id, chain[i + 1].run_id);
    EXPECT_EQ(chain[i].kind, "run.created");
    EXPECT_EQ(chain[i + 1].kind, "run.noted");
  }
  EXPECT_EQ(CountRows(options, "records_pending"), 0);
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
