// The hash chain where only SQLite can break it: batches that roll back under group commit, two
// processes (here: two store instances) appending to one file, and records from before the chain
// (schema migration 3).
#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "store/record_chain.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::sqlite {
namespace {

std::unique_ptr<SqliteStore> OpenStore(const std::string& path) {
  SqliteStoreOptions options;
  options.path = path;
  options.synchronous_full = false;  // scratch files: a power cut is not what these test
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

NewRun RunWithRecords(const std::string& run_id, int records) {
  NewRun run;
  run.run_id = run_id;
  run.workflow = "wf";
  run.version = "v1";
  run.input_json = "{}";
  run.now = absl::FromUnixSeconds(1'700'000'000);
  run.steps = {{"a", 0}, {kEndStepId, 1}};
  for (int i = 0; i < records; ++i) {
    run.records.push_back(NewRecord{"", "run.created", "system", absl::StrCat("{\"i\":", i, "}")});
  }
  return run;
}

// The number of records whose link or hash is wrong, or whose seq leaves a gap.
int BrokenLinks(Store& store) {
  absl::StatusOr<std::vector<Record>> chain = store.ScanRecords(0, 0);
  EXPECT_TRUE(chain.ok()) << chain.status();
  if (!chain.ok()) return -1;
  RecordHasher hasher;
  std::string prev = GenesisHash();
  int64_t seq = 1;
  int broken = 0;
  for (const Record& record : *chain) {
    if (record.seq != seq || record.prev_hash != prev || hasher.Hash(record) != record.hash) {
      ++broken;
    }
    prev = record.hash;
    seq = record.seq + 1;
  }
  return broken;
}

// Requests that fail make their batch roll back and run again with savepoints; the records of
// the requests that commit must still link up exactly.
TEST(SqliteChainTest, BatchesThatRollBackLeaveTheChainWhole) {
  common::TempDir dir;
  std::unique_ptr<SqliteStore> store = OpenStore(dir.File("chain.db"));
  ASSERT_NE(store, nullptr);
  ASSERT_OK(store->CreateRun(RunWithRecords("taken", 1)).status());
  constexpr int kThreads = 12;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string id = t % 3 == 0 ? "taken" : absl::StrCat("r-", t, "-", i);
        if (store->CreateRun(RunWithRecords(id, 2)).ok()) ++created;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), kThreads / 3 * 2 * 30);
  EXPECT_GT(store->stats().failed_requests, 0);
  ASSERT_OK_AND_ASSIGN(RecordChainHead head, store->GetRecordChainHead());
  EXPECT_EQ(head.seq, 1 + 2 * created.load());
  EXPECT_EQ(BrokenLinks(*store), 0);
}

// Two writers on one database file (as `flowline tasks resolve` beside `flowline serve`): each
// reads the head inside its own transaction, so their records interleave into one chain.
TEST(SqliteChainTest, TwoStoresOnOneFileAppendToOneChain) {
  common::TempDir dir;
  std::unique_ptr<SqliteStore> first = OpenStore(dir.File("shared.db"));
  std::unique_ptr<SqliteStore> second = OpenStore(dir.File("shared.db"));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Store& store = t % 2 == 0 ? static_cast<Store&>(*first) : static_cast<Store&>(*second);
      for (int i = 0; i < 50; ++i) {
        absl::Status status =
            store.CreateRun(RunWithRecords(absl::StrCat("r", t, "-", i), 1)).status();
        EXPECT_TRUE(status.ok()) << status;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_OK_AND_ASSIGN(RecordChainHead head, first->GetRecordChainHead());
  EXPECT_EQ(head.seq, 200);
  EXPECT_EQ(BrokenLinks(*first), 0);
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << error;
}

// A database from before the chain (schema 2) gets its records linked when it is opened.
TEST(SqliteChainTest, RecordsFromBeforeTheChainAreLinkedOnUpgrade) {
  common::TempDir dir;
  const std::string path = dir.File("old.db");
  {
    std::unique_ptr<SqliteStore> store = OpenStore(path);
    ASSERT_NE(store, nullptr);
    ASSERT_OK(store->CreateRun(RunWithRecords("r1", 2)).status());
    ASSERT_OK(store->CreateRun(RunWithRecords("r2", 1)).status());
  }
  {
    // Take the database back to schema 2 as it was: no chain columns, no checkpoints, and
    // nothing of the migrations after the chain's (4: drift and alerts; 5: measures; 6:
    // datasets; 7: releases; 8: evaluations; 9: worker heartbeats; 10: trigger state).
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    Exec(db, "DROP TABLE trigger_state");
    Exec(db, "DROP TABLE workers");
    Exec(db, "DROP TABLE evaluations");
    Exec(db, "DROP TABLE shadow_comparisons");
    Exec(db, "DROP INDEX runs_shadow");
    Exec(db, "DROP INDEX runs_business_key");
    Exec(db,
         "CREATE UNIQUE INDEX runs_business_key ON runs (workflow, business_key) "
         "WHERE business_key <> ''");
    for (const char* column :
         {"runs.mode", "runs.parent_run_id", "versions.stage", "workflows.shadow_version",
          "workflows.canary_version", "workflows.canary_share"}) {
      const std::string name(column);
      const size_t dot = name.find('.');
      Exec(db,
           absl::StrCat("ALTER TABLE ", name.substr(0, dot), " DROP COLUMN ", name.substr(dot + 1))
               .c_str());
    }
    for (const char* table : {"drift_state", "drift_buckets", "drift_reports", "alerts", "measures",
                              "measure_cursor", "dataset_versions", "dataset_cases", "datasets"}) {
      Exec(db, absl::StrCat("DROP TABLE ", table).c_str());
    }
    Exec(db, "ALTER TABLE tasks DROP COLUMN claimed_at");
    Exec(db, "DROP TABLE checkpoints");
    Exec(db, "ALTER TABLE records DROP COLUMN hash");
    Exec(db, "ALTER TABLE records DROP COLUMN prev_hash");
    Exec(db, "ALTER TABLE records DROP COLUMN version");
    Exec(db, "DELETE FROM schema_migrations WHERE version >= 3");
    sqlite3_close(db);
  }
  std::unique_ptr<SqliteStore> store = OpenStore(path);
  ASSERT_NE(store, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> chain, store->ScanRecords(0, 0));
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].version, "v1");
  EXPECT_EQ(BrokenLinks(*store), 0);
  // New records go on from the linked ones.
  ASSERT_OK(store->CreateRun(RunWithRecords("r3", 1)).status());
  EXPECT_EQ(BrokenLinks(*store), 0);
  ASSERT_OK_AND_ASSIGN(RecordChainHead head, store->GetRecordChainHead());
  EXPECT_EQ(head.seq, 4);
}

}  // namespace
}  // namespace flowline::store::sqlite
