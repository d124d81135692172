// A SQLite store, an engine that does not execute (runs are created, not run), an artifact store
// and a fake clock: what the trigger tests poll sources against (private to the tests).
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "steps/artifacts.h"
#include "steps/step_kind.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/sqlite_store.h"
#include "triggers/trigger_host.h"

namespace flowline::triggers::testing {

class TriggerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("flowline.db");
    auto opened = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(kinds_);
    engine::EngineOptions engine_options;
    engine_options.workers = 0;
    engine_ =
        std::make_unique<engine::Engine>(engine_options, *store_, kinds_, clock_, random_, nullptr);
    artifacts_ = steps::NewFileArtifactStore(dir_.File("artifacts"));
    RegisterTriggerSources(registry_);
  }

  // A host as one `flowline serve` process has it; a second one is another process.
  std::unique_ptr<TriggerHost> NewHost(TriggerHostOptions options = {}) {
    return std::make_unique<TriggerHost>(*engine_, *store_, *artifacts_, clock_, registry_,
                                         std::move(options));
  }
  // Options for a host whose sources may name `connections`.
  static TriggerHostOptions WithConnections(const steps::Connections& connections) {
    TriggerHostOptions options;
    options.connections = std::make_shared<steps::Connections>(connections);
    return options;
  }

  void Deploy(const std::string& yaml) {
    auto deployed = engine_->Deploy(yaml, "test.yaml");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
  }

  std::vector<store::Run> Runs(const std::string& workflow) {
    store::RunFilter filter;
    filter.workflow = workflow;
    filter.limit = 1000;
    auto runs = store_->ListRuns(filter);
    EXPECT_TRUE(runs.ok()) << runs.status();
    return runs.ok() ? *runs : std::vector<store::Run>{};
  }

  // The business keys of `workflow`'s runs, sorted.
  std::vector<std::string> Keys(const std::string& workflow) {
    std::vector<std::string> keys;
    for (const store::Run& run : Runs(workflow)) keys.push_back(run.business_key);
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  common::TempDir dir_;
  common::FakeClock clock_{absl::FromUnixSeconds(1'767'225'600)};  // 2026-01-01T00:00:00Z
  common::SeededRandom random_{7};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry kinds_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
  TriggerRegistry registry_;
};

}  // namespace flowline::triggers::testing
