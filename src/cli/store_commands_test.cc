// `--store` locations, `flowline migrate` and `flowline worker` as a user runs them, on SQLite
// and on the PostgreSQL test cluster (a fresh database per test).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "pqxx/pqxx"
#include "store/postgres/testing/pg_test_db.h"
#include "store/sqlite/migrations.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

CommandResult RunWith(const GlobalOptions& global, std::vector<std::string> args) {
  return RunCommands(
      [&global](CLI::App& app, int& exit_code) {
        AddDeployCommand(app, global, exit_code);
        AddMigrateCommand(app, global, exit_code);
        AddWorkerCommand(app, global, exit_code);
        AddServeCommand(app, global, exit_code);
        AddRunsCommand(app, global, exit_code);
      },
      std::move(args));
}

class SqliteStoreCommandsTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = db_;
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    return RunWith(global, std::move(args));
  }

  common::TempDir dir_;
  std::string db_ = dir_.File("flowline.db");
};

TEST_F(SqliteStoreCommandsTest, MigrateStatusChangesNothingAndMigrateAppliesOnce) {
  const int latest = store::sqlite::LatestSchemaVersion();
  CommandResult status = Run({"migrate", "--status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr(absl::StrCat("0 applied, ", latest, " pending")));
  EXPECT_FALSE(std::filesystem::exists(db_));  // --status creates no database

  CommandResult migrated = Run({"migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_THAT(migrated.out, HasSubstr(absl::StrCat("applied ", latest, " migration(s)")));
  EXPECT_THAT(migrated.out, HasSubstr(absl::StrCat(latest, " applied, 0 pending")));

  CommandResult again = Run({"migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to apply"));
}

TEST_F(SqliteStoreCommandsTest, WorkerAndAnApiOnlyServerNeedPostgres) {
  CommandResult worker = Run({"worker"});
  EXPECT_EQ(worker.exit_code, 1);
  EXPECT_THAT(worker.err, HasSubstr("flowline worker needs a PostgreSQL store"));
  EXPECT_THAT(worker.err, HasSubstr("`flowline serve`"));

  CommandResult serve = Run({"serve", "--workers", "0", "--listen", "127.0.0.1:0"});
  EXPECT_EQ(serve.exit_code, 1);
  EXPECT_THAT(serve.err, HasSubstr("--workers 0 needs a PostgreSQL store"));
}

TEST_F(SqliteStoreCommandsTest, AnUnknownKindOfStoreIsRefusedWithoutItsPassword) {
  GlobalOptions global;
  global.store_path = "mysql://root:hunter2@db1/flowline";
  CommandResult result = RunWith(global, {"runs", "list"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("unknown kind of store"));
  EXPECT_THAT(result.err, HasSubstr("mysql://root:***@db1/flowline"));
  EXPECT_THAT(result.err, Not(HasSubstr("hunter2")));
}

// A database of its own on the test cluster, dropped at the end.
class PostgresStoreCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = store::postgres::testing::TestConninfo();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    admin_conninfo_ = *conninfo;
    database_ = absl::StrCat("flowline_cli_", getpid(), "_", std::random_device{}() % 100000);
    pqxx::connection admin(admin_conninfo_);
    pqxx::nontransaction(admin).exec0("CREATE DATABASE " + database_);
    // libpq takes the last of a repeated keyword: this names the new database.
    conninfo_ = absl::StrCat(admin_conninfo_, " dbname=", database_);
  }
  void TearDown() override {
    if (database_.empty()) return;
    pqxx::connection admin(admin_conninfo_);
    pqxx::nontransaction(admin).exec0("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
  }

  GlobalOptions Global(const std::string& audit_keys = "") {
    GlobalOptions global;
    global.store_path = conninfo_;
    global.audit_keys = audit_keys;
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    global.artifacts = dir_.File("artifacts");
    return global;
  }
  CommandResult Run(std::vector<std::string> args, const std::string& audit_keys = "") {
    return RunWith(Global(audit_keys), std::move(args));
  }

  common::TempDir dir_;
  std::string admin_conninfo_;
  std::string database_;
  std::string conninfo_;
};

TEST_F(PostgresStoreCommandsTest, MigrateStatusChangesNothingAndMigrateAppliesOnce) {
  CommandResult status = Run({"migrate", "--status"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_THAT(status.out, HasSubstr("0 applied"));
  EXPECT_THAT(status.out, Not(HasSubstr(" 0 pending")));

  CommandResult migrated = Run({"migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  EXPECT_THAT(migrated.out, HasSubstr("applied, 0 pending"));
  EXPECT_THAT(migrated.out, HasSubstr("migration(s)"));
  EXPECT_THAT(migrated.out, Not(HasSubstr("nothing to apply")));

  CommandResult again = Run({"migrate"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("nothing to apply"));
  CommandResult after = Run({"migrate", "--status"});
  ASSERT_EQ(after.exit_code, 0) << after.err;
  EXPECT_THAT(after.out, HasSubstr("applied, 0 pending"));
  // With when each migration was applied, as on SQLite.
  EXPECT_THAT(after.out, ::testing::ContainsRegex("1 +applied +[0-9]{4}-[0-9]{2}-[0-9]{2} "));
}

TEST_F(PostgresStoreCommandsTest, AWorkerNeedsTheSharedAuditKeys) {
  CommandResult worker = Run({"worker"});
  EXPECT_EQ(worker.exit_code, 1);
  EXPECT_THAT(worker.err, HasSubstr("no default audit key directory: pass --audit-keys"));
}

TEST_F(PostgresStoreCommandsTest, AWorkerExecutesRunsMadeElsewhereBeatsAndDrainsOnSigterm) {
  std::ofstream(dir_.File("double.yaml")) << R"yaml(
workflow: double
steps:
  - id: a
    uses: script
    with: { code: "return { n = input.n * 2 }" }
outputs:
  n: ${{ steps.a.output.n }}
)yaml";
  ASSERT_EQ(Run({"deploy", dir_.File("double.yaml")}).exit_code, 0);
  const std::string keys = dir_.File("keys");

  // Another process (here: an engine that is never started) creates the run. Its keys are made
  // first: two threads of one process must not make a key directory at once.
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(Global(keys));
  ASSERT_TRUE(app.ok()) << app.status();
  engine::EngineOptions api_only;
  ASSERT_TRUE((*app)->AddPersonalDataKey(api_only).ok());
  std::unique_ptr<engine::Engine> api = (*app)->NewEngine(api_only);

  CommandResult worker;
  std::atomic<bool> worker_returned{false};
  std::thread worker_thread([&] {
    worker = Run({"worker", "--workers", "2", "--lease", "5s"}, keys);
    worker_returned = true;
  });
  // However the test ends: stop the worker (SIGTERM; it installs its handler before it runs
  // anything), then show what it printed, which the capture hid meanwhile, along with this
  // test's own failures.
  struct StopWorker {
    std::thread& thread;
    std::atomic<bool>& returned;
    CommandResult& result;
    ~StopWorker() {
      if (!returned) std::raise(SIGTERM);
      thread.join();
      if (::testing::Test::HasFailure()) std::cerr << result.out << result.err;
    }
  } stop{worker_thread, worker_returned, worker};
  absl::StatusOr<engine::StartRunResult> started = api->StartRun({"double", Json{{"n", 21}}, ""});
  ASSERT_TRUE(started.ok()) << started.status();
  absl::StatusOr<store::Run> run = api->WaitForRun(started->run_id, absl::Seconds(30));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, store::RunStatus::kCompleted) << run->error;
  EXPECT_EQ(run->output_json, R"({"n":42})");

  absl::StatusOr<std::vector<store::WorkerHeartbeat>> workers =
      (*app)->store().ListWorkers(absl::InfinitePast());
  ASSERT_TRUE(workers.ok()) << workers.status();
  ASSERT_EQ(workers->size(), 1u);
  EXPECT_EQ((*workers)[0].role, "worker");
  EXPECT_EQ((*workers)[0].workers, 2);
  EXPECT_EQ((*workers)[0].pid, getpid());

  std::raise(SIGTERM);  // the worker's handler: drain and return
  while (!worker_returned) std::this_thread::yield();
  EXPECT_EQ(worker.exit_code, 0) << worker.err;
  EXPECT_THAT(worker.out, HasSubstr("flowline worker "));
  EXPECT_THAT(worker.out, HasSubstr("stopping: claiming nothing more"));
}

TEST_F(PostgresStoreCommandsTest, AnUnreachableServerIsReportedWithoutThePassword) {
  GlobalOptions global;
  // Port 1 on loopback: nothing listens there.
  global.store_path = "postgresql://flowline:hunter2@127.0.0.1:1/flowline?connect_timeout=5";
  CommandResult result = RunWith(global, {"migrate", "--status"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("postgresql://flowline:***@127.0.0.1:1/flowline"));
  EXPECT_THAT(result.err, Not(HasSubstr("hunter2")));
}

}  // namespace
}  // namespace flowline::cli
