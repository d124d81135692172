// What the release tests of lifecycle/ share: a real SQLite store and a deterministic engine.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::lifecycle::testing {

class ReleaseFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened =
        store::sqlite::SqliteStore::Open(store::sqlite::ScratchStoreOptions(dir_.File("f.db")));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
  }

  // Call after registering any extra kinds.
  engine::Engine& Engine() {
    if (engine_ == nullptr) {
      engine::EngineOptions options;
      options.workers = 0;
      options.worker_id = "test";
      engine_ =
          std::make_unique<engine::Engine>(options, *store_, registry_, clock_, random_, nullptr);
    }
    return *engine_;
  }

  std::string Deploy(const std::string& yaml, store::VersionStage stage) {
    auto deployed = Engine().Deploy(yaml, "wf.yaml", stage, "ann");
    EXPECT_TRUE(deployed.ok()) << deployed.status();
    return deployed.ok() ? deployed->version : "";
  }

  engine::StartRunResult Start(const std::string& workflow, Json input) {
    auto started = Engine().StartRun({workflow, std::move(input), ""});
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *started : engine::StartRunResult{};
  }

  void RunAll() {
    auto ran = Engine().RunUntilIdle();
    ASSERT_TRUE(ran.ok()) << ran.status();
  }

  // Approves the run's one open task.
  void Approve(const std::string& run_id) {
    store::TaskFilter filter;
    filter.run_id = run_id;
    auto tasks = store_->ListTasks(filter);
    ASSERT_TRUE(tasks.ok()) << tasks.status();
    ASSERT_EQ(tasks->size(), 1u) << run_id;
    auto resolved = Engine().ResolveTask({(*tasks)[0].task_id, "bob", "approve", "fine"});
    ASSERT_TRUE(resolved.ok()) << resolved.status();
    RunAll();
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{3};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace flowline::lifecycle::testing
