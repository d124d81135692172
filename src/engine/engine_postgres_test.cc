// The engine on the PostgreSQL store: another process's new run wakes an idle engine at once
// (Store::SetWorkListener, NOTIFY), not at its next poll.
#include <memory>

#include "common/clock.h"
#include "engine/engine.h"
#include "gtest/gtest.h"
#include "steps/system_step_kinds.h"
#include "store/postgres/testing/pg_test_db.h"

namespace flowline::engine {
namespace {

constexpr char kSpec[] = R"yaml(
workflow: woken
steps:
  - id: a
    uses: script
    with: { code: "return { n = input.n + 1 }" }
  - id: b
    uses: script
    with: { code: "return { n = steps.a.output.n * 2 }" }
outputs:
  n: ${{ steps.b.output.n }}
)yaml";

TEST(EnginePostgresTest, AnotherProcessesRunWakesAnIdleEngineBeforeItsNextPoll) {
  absl::StatusOr<store::postgres::PostgresStoreOptions> options =
      store::postgres::testing::FreshSchemaOptions();
  ASSERT_TRUE(options.ok()) << options.status();
  // Two stores on one schema: two processes.
  auto executing_store = store::postgres::PostgresStore::Open(*options);
  ASSERT_TRUE(executing_store.ok()) << executing_store.status();
  auto api_store = store::postgres::PostgresStore::Open(*options);
  ASSERT_TRUE(api_store.ok()) << api_store.status();
  steps::StepKindRegistry registry;
  steps::RegisterSystemStepKinds(registry);
  common::SeededRandom random(3);

  EngineOptions executing_options;
  executing_options.workers = 2;
  executing_options.worker_id = "executor";
  // Polling alone would find the run only after an hour: the test fails unless it is woken.
  executing_options.poll_interval = absl::Hours(1);
  Engine executor(executing_options, **executing_store, registry, common::SystemClock::Get(),
                  random, nullptr);
  // Never started (as `flowline serve --workers 0`): it leases nothing to itself.
  EngineOptions api_options;
  api_options.worker_id = "api";
  Engine api(api_options, **api_store, registry, common::SystemClock::Get(), random, nullptr);
  ASSERT_TRUE(api.Deploy(kSpec, "woken.yaml").ok());
  ASSERT_TRUE(executor.Start().ok());

  for (int n : {1, 10}) {  // the second run comes while the poller surely sleeps
    absl::StatusOr<StartRunResult> started = api.StartRun({"woken", Json{{"n", n}}, ""});
    ASSERT_TRUE(started.ok()) << started.status();
    absl::StatusOr<store::Run> run = executor.WaitForRun(started->run_id, absl::Seconds(20));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->status, store::RunStatus::kCompleted) << run->error;
    EXPECT_EQ(common::ParseJson(run->output_json, "output")->at("n"), (n + 1) * 2);
  }
  executor.Stop();
}

}  // namespace
}  // namespace flowline::engine
