// The conformance suite of the Store interface: one set of GoogleTest cases that every
// implementation must pass (SqliteStore and PostgresStore), so that the engine can rely
// on store.h's contract and nothing else.
//
// An implementation's test instantiates the suite with a factory that makes a fresh, empty
// store for each test:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
//                            ::testing::Values(StoreFactory{"sqlite", &MakeEmptySqliteStore}),
//                            StoreFactoryName);
//
// and links `flowline_store_conformance` as a whole archive (the tests register themselves from
// static initialisers nothing else references; see src/store/CMakeLists.txt).
//
// The tests use fixed times (At(seconds) from a fixed epoch), never the wall clock, and never
// sleep. The store is destroyed at the end of each test.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "store/store.h"

namespace flowline::store::testing {

struct StoreFactory {
  std::string name;  // suffix of the instantiated test names: letters, digits and '_'
  std::function<std::unique_ptr<Store>()> make;  // a fresh, empty store
};

void PrintTo(const StoreFactory& factory, std::ostream* os);
// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info);

class StoreConformanceTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Store& store() { return *store_; }

  // The tests' clock: a fixed epoch plus `seconds`.
  static absl::Time At(double seconds);

  // A run of workflow "wf", version "v1", with input {"n":1} and one "run.created" record,
  // created at `now`, with `steps` in plan order.
  static NewRun MakeRun(const std::string& run_id, std::vector<NewStep> steps,
                        absl::Time now = At(0));
  // The plan a → b → c → $end used by many tests.
  static std::vector<NewStep> ChainSteps();
  // A commit of `claim` with `resolution` at `now` and one "step.<resolution>" record.
  static StepCommit MakeCommit(const ClaimedStep& claim, StepResolution resolution, absl::Time now);

  // Creates the run; the test fails (and an empty result returns) on error.
  CreateRunResult Create(const NewRun& run);
  // Claims up to `max` due steps for `owner` at `now`, leased for `lease`.
  std::vector<ClaimedStep> Claim(const std::string& owner, absl::Time now, int max = 100,
                                 absl::Duration lease = absl::Seconds(60));
  // Claims the one due step with this run and step id (the test fails if it is not due).
  ClaimedStep ClaimStep(const std::string& run_id, const std::string& step_id, absl::Time now,
                        const std::string& owner = "worker-1");
  // The state of one step (the test fails if it does not exist).
  StepState GetStep(const std::string& run_id, const std::string& step_id);
  // The kinds of the run's records, in order.
  std::vector<std::string> RecordKinds(const std::string& run_id);

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace flowline::store::testing
