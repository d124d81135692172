#include "lifecycle/replay.h"

#include <atomic>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lifecycle/lifecycle_release_test_util.h"
#include "steps/test_sqlite_file.h"

namespace flowline::lifecycle {
namespace {

// A step that answers something new every time: what a model changed on disk behind its
// version's back looks like to a replay.
class CounterKind final : public steps::StepKind {
 public:
  CounterKind() {
    info_.name = "counter";
    info_.actors = {steps::Actor::kAi};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>(count_);
  }

 private:
  struct Prepared final : steps::PreparedStep {
    explicit Prepared(std::atomic<int>& count) : count(count) {}
    steps::StepOutcome Execute(const steps::StepContext&) const override {
      return steps::StepOutcome::Completed(Json{{"n", ++count}});
    }
    std::atomic<int>& count;
  };
  mutable std::atomic<int> count_{0};
  steps::StepKindInfo info_;
};

// Computes, writes to a ledger (a side effect), and asks a person above 100.
constexpr char kSpec[] = R"yaml(
workflow: pay
key: ${{ input.id }}
steps:
  - id: compute
    uses: script
    with: { code: "return { due = input.amount * 2 }" }
  - id: post
    uses: sql
    needs: [compute]
    with:
      database: "sqlite:DB"
      statement: INSERT INTO ledger (id, due) VALUES (:id, :due)
      params: { id: "${{ input.id }}", due: "${{ steps.compute.output.due }}" }
  - id: review
    uses: review
    actor: human
    needs: [post]
    with:
      gate: true
      queue: ap
      decisions: [approve, reject]
EXTRA
exceptions:
  rules:
    - name: large
      when: ${{ input.amount > 100 }}
outputs:
  due: ${{ steps.compute.output.due }}
  decision: ${{ steps.review.output.decision }}
)yaml";

constexpr char kCounter[] = R"yaml(
  - id: count
    uses: counter
    actor: ai
)yaml";

class ReplayTest : public testing::ReleaseFixture {
 protected:
  void SetUp() override {
    ReleaseFixture::SetUp();
    registry_.Register(std::make_unique<CounterKind>());
    ledger_ = dir_.File("ledger.db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(ledger_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(
        sqlite3_exec(db, "CREATE TABLE ledger (id TEXT, due REAL)", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(db);
  }

  std::string Spec(const std::string& extra) {
    return absl::StrReplaceAll(kSpec, {{"DB", ledger_}, {"EXTRA\n", extra}});
  }

  int LedgerRows() {
    return steps::testing::QuerySqliteInt(ledger_, "SELECT count(*) FROM ledger");
  }

  ReplayOptions Options() { return ReplayOptions{&registry_, nullptr, ""}; }

  std::string ledger_;
};

TEST_F(ReplayTest, ADeterministicRunReplaysWithoutADifference) {
  Deploy(Spec(""), store::VersionStage::kLive);
  const std::string run_id = Start("pay", {{"id", "P-1"}, {"amount", 500}}).run_id;
  RunAll();
  Approve(run_id);
  ASSERT_EQ(store_->GetRun(run_id)->status, store::RunStatus::kCompleted);
  ASSERT_EQ(LedgerRows(), 1);

  auto replayed = ReplayRun(*store_, Options(), run_id);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->consistent()) << ReplayResultJson(*replayed).dump(2);
  EXPECT_EQ(replayed->replayed_status, "completed");
  // The ledger write and the person's decision came from the record; nothing was written again.
  EXPECT_THAT(replayed->from_record, ::testing::UnorderedElementsAre("post", "review"));
  EXPECT_EQ(LedgerRows(), 1);
  // The replay left no trace in the real store: one run, no new records after the run's.
  store::RunFilter all;
  EXPECT_EQ(store_->ListRuns(all)->size(), 1u);
}

TEST_F(ReplayTest, ANonDeterministicStepIsReported) {
  Deploy(Spec(kCounter), store::VersionStage::kLive);
  const std::string run_id = Start("pay", {{"id", "P-2"}, {"amount", 5}}).run_id;
  RunAll();
  ASSERT_EQ(store_->GetRun(run_id)->status, store::RunStatus::kCompleted);

  auto replayed = ReplayRun(*store_, Options(), run_id);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  ASSERT_FALSE(replayed->consistent());
  ASSERT_EQ(replayed->differences.size(), 1u) << ReplayResultJson(*replayed).dump(2);
  const StepDifference& d = replayed->differences[0];
  EXPECT_EQ(d.step, "count");
  EXPECT_EQ(d.what, "output");
  EXPECT_EQ(d.path, "n");
  EXPECT_EQ(d.recorded, 1);
  EXPECT_EQ(d.replayed, 2);
}

TEST_F(ReplayTest, TheSampleCountsTheConsistentRuns) {
  Deploy(Spec(""), store::VersionStage::kLive);
  for (int i = 0; i < 3; ++i) Start("pay", {{"id", absl::StrCat("P-", i)}, {"amount", 5}});
  RunAll();
  Deploy(Spec(kCounter), store::VersionStage::kLive);
  // Two runs on the counting version: the first replays as 3 (or later) against a recorded 1...
  Start("pay", {{"id", "Q-1"}, {"amount", 5}});
  Start("pay", {{"id", "Q-2"}, {"amount", 5}});
  const std::string running = Start("pay", {{"id", "Q-3"}, {"amount", 500}}).run_id;
  RunAll();  // Q-3 waits for a person: not finished, not sampled

  ReplaySampleRequest request;
  request.sample = 10;
  request.workflow = "pay";
  auto report = ReplaySample(*store_, Options(), request);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->replayed, 5);
  EXPECT_EQ(report->consistent, 3);
  EXPECT_EQ(report->inconsistent.size(), 2u);
  EXPECT_TRUE(report->failed.empty());
  EXPECT_DOUBLE_EQ(report->rate(), 0.6);
  EXPECT_EQ(ReplayRun(*store_, Options(), running).status().code(),
            absl::StatusCode::kFailedPrecondition);
  request.sample = 0;
  EXPECT_EQ(ReplaySample(*store_, Options(), request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::lifecycle
