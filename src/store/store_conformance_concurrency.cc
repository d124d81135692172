// The conformance suite: many threads at once. The store must serialise them without losing
// or duplicating any change.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

constexpr int kThreads = 8;

StepCommit CompleteCommit(const ClaimedStep& claim, absl::Time now,
                          std::vector<std::string> dependents) {
  StepCommit commit;
  commit.run_id = claim.run_id;
  commit.step_id = claim.step_id;
  commit.lease_token = claim.lease_token;
  commit.now = now;
  commit.resolution = StepResolution::kCompleted;
  commit.output_json = absl::StrCat(R"({"step":")", claim.step_id, R"("})");
  commit.dependents = std::move(dependents);
  commit.records.push_back(NewRecord{claim.step_id, "step.completed", "system", "{}"});
  return commit;
}

// Every run is a → b → c → $end. Each thread creates its runs with a eagerly leased, commits a
// (b becomes ready for anyone), then claims one ready b — its own or another thread's — and
// drives it: b with lease_next, then c, which completes the run.
TEST_P(StoreConformanceTest, ConcurrentRunsAreDrivenToTheEndWithoutLostUpdates) {
  constexpr int kRunsPerThread = 200;
  const absl::Time now = At(0);
  std::atomic<int> errors{0};
  std::atomic<int> b_commits{0};

  auto drive_b = [&](Store& store, const ClaimedStep& b, const std::string& owner) {
    if (b.step_id != "b" || b.attempt != 1) {
      ADD_FAILURE() << "unexpected claim " << b.idempotency_key << " attempt " << b.attempt;
      ++errors;
      return;
    }
    StepCommit commit_b = CompleteCommit(b, now, {"c"});
    commit_b.lease_next = LeaseRequest{owner, absl::Hours(1)};
    absl::StatusOr<CommitResult> after_b = store.CommitStep(commit_b);
    if (!after_b.ok() || after_b->leased.size() != 1) {
      ADD_FAILURE() << "commit of " << b.idempotency_key << ": " << after_b.status();
      ++errors;
      return;
    }
    ++b_commits;
    StepCommit commit_c = CompleteCommit(after_b->leased[0], now, {kEndStepId});
    commit_c.finish = RunFinish{RunStatus::kCompleted, R"({"done":true})", ""};
    absl::StatusOr<CommitResult> after_c = store.CommitStep(commit_c);
    if (!after_c.ok() || !after_c->run_finished) {
      ADD_FAILURE() << "commit of c of " << b.run_id << ": " << after_c.status();
      ++errors;
    }
  };

  auto worker = [&](int thread) {
    Store& store = this->store();
    const std::string owner = absl::StrCat("worker-", thread);
    const LeaseRequest lease{owner, absl::Hours(1)};
    for (int i = 0; i < kRunsPerThread; ++i) {
      NewRun run = MakeRun(absl::StrCat("run-", thread, "-", i), ChainSteps(), now);
      run.lease = lease;
      absl::StatusOr<CreateRunResult> created = store.CreateRun(run);
      if (!created.ok() || created->leased.size() != 1) {
        ADD_FAILURE() << "create " << run.run_id << ": " << created.status();
        ++errors;
        continue;
      }
      absl::StatusOr<CommitResult> after_a =
          store.CommitStep(CompleteCommit(created->leased[0], now, {"b"}));
      if (!after_a.ok()) {
        ADD_FAILURE() << "commit of a of " << run.run_id << ": " << after_a.status();
        ++errors;
        continue;
      }
      absl::StatusOr<std::vector<ClaimedStep>> claimed = store.ClaimSteps(lease, now, 1);
      if (!claimed.ok()) {
        ++errors;
        continue;
      }
      for (const ClaimedStep& b : *claimed) drive_b(store, b, owner);
    }
    // Drain what is left; every thread drains after its last run, so nothing stays behind.
    for (;;) {
      absl::StatusOr<std::vector<ClaimedStep>> claimed = store.ClaimSteps(lease, now, 4);
      if (!claimed.ok()) {
        ++errors;
        return;
      }
      if (claimed->empty()) return;
      for (const ClaimedStep& b : *claimed) drive_b(store, b, owner);
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  EXPECT_EQ(b_commits.load(), kThreads * kRunsPerThread);

  RunFilter completed;
  completed.status = RunStatus::kCompleted;
  completed.limit = kThreads * kRunsPerThread + 10;
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store().ListRuns(completed));
  EXPECT_EQ(runs.size(), static_cast<size_t>(kThreads * kRunsPerThread));
  RunFilter all;
  all.limit = kThreads * kRunsPerThread + 10;
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> everything, store().ListRuns(all));
  EXPECT_EQ(everything.size(), static_cast<size_t>(kThreads * kRunsPerThread));

  for (const store::Run& run : runs) {
    ASSERT_OK_AND_ASSIGN(RunDetail detail, store().GetRunDetail(run.run_id));
    EXPECT_EQ(detail.run.output_json, R"({"done":true})");
    ASSERT_EQ(detail.steps.size(), 4u);
    for (const StepState& step : detail.steps) {
      EXPECT_EQ(step.status, StepStatus::kCompleted) << run.run_id << "/" << step.step_id;
      EXPECT_EQ(step.deps_remaining, 0) << run.run_id << "/" << step.step_id;
      if (step.step_id != kEndStepId) {
        EXPECT_EQ(step.attempt, 1) << run.run_id << "/" << step.step_id;
        EXPECT_EQ(step.output_json, absl::StrCat(R"({"step":")", step.step_id, R"("})"));
      }
    }
    ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store().ListRecords(run.run_id));
    EXPECT_EQ(records.size(), 4u) << run.run_id;  // created + a + b + c
  }
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> due, store().NextDueTime());
  EXPECT_FALSE(due.has_value());
}

TEST_P(StoreConformanceTest, ConcurrentClaimsNeverHandOutAStepTwice) {
  constexpr int kRuns = 300;
  for (int i = 0; i < kRuns; ++i) {
    Create(MakeRun(absl::StrCat("r", i), {{"a", 0}, {"b", 0}, {kEndStepId, 2}}, At(0)));
  }
  std::mutex mu;
  std::multiset<std::string> claimed;
  std::atomic<int> errors{0};
  auto worker = [&](int thread) {
    const LeaseRequest lease{absl::StrCat("worker-", thread), absl::Hours(1)};
    for (;;) {
      absl::StatusOr<std::vector<ClaimedStep>> batch =
          this->store().ClaimSteps(lease, At(1), 1 + thread % 3);
      if (!batch.ok()) {
        ++errors;
        return;
      }
      if (batch->empty()) return;
      std::lock_guard<std::mutex> lock(mu);
      for (const ClaimedStep& step : *batch) claimed.insert(step.idempotency_key);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<size_t>(2 * kRuns));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()).size(), claimed.size());
}

TEST_P(StoreConformanceTest, ConcurrentTriggersWithOneBusinessKeyCreateOneRun) {
  std::atomic<int> created{0};
  std::atomic<int> errors{0};
  std::vector<std::string> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      NewRun run = MakeRun(absl::StrCat("r", t), ChainSteps(), At(t));
      run.business_key = "same";
      absl::StatusOr<CreateRunResult> result = this->store().CreateRun(run);
      if (!result.ok()) {
        ++errors;
        return;
      }
      if (result->created) ++created;
      ids[t] = result->run_id;
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(errors.load(), 0);
  EXPECT_EQ(created.load(), 1);
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  ASSERT_OK_AND_ASSIGN(std::vector<store::Run> runs, store().ListRuns(RunFilter{}));
  EXPECT_EQ(runs.size(), 1u);
}

}  // namespace
}  // namespace flowline::store::testing
