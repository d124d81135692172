// The fixture audit/'s tests share (tests only): a scratch SQLite store in a temporary directory,
// a fresh signing key, and runs with decision records.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "audit/keys.h"
#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::audit {

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    OpenStore("audit.db");
    absl::StatusOr<SigningKey> key = SigningKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::make_unique<SigningKey>(*std::move(key));
  }

  // Opens (creating it if needed) the database `name` in the test's directory; the store open
  // before is closed first.
  void OpenStore(const std::string& name) {
    store_.reset();
    path_ = dir_.File(name);
    store::sqlite::SqliteStoreOptions options = store::sqlite::ScratchStoreOptions(path_);
    absl::StatusOr<std::unique_ptr<store::sqlite::SqliteStore>> store =
        store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // Creates run `run_id` of workflow "wf", version "v1", at `at`, appending `records`.
  void AddRun(const std::string& run_id, absl::Time at, std::vector<store::NewRecord> records) {
    store::NewRun run;
    run.run_id = run_id;
    run.workflow = "wf";
    run.version = "v1";
    run.input_json = "{}";
    run.now = at;
    run.steps = {{"a", 0}, {store::kEndStepId, 1}};
    run.records = std::move(records);
    absl::Status created = store_->CreateRun(run).status();
    ASSERT_TRUE(created.ok()) << created;
  }

  common::TempDir dir_;
  std::string path_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<SigningKey> key_;
};

}  // namespace flowline::audit
