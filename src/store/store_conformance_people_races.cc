// The conformance suite: people and releases under races. Several reviewers (or several
// `flowline serve` processes sweeping overdue tasks, or two operators promoting) act on the same
// row at the same instant: exactly one wins, the others are refused as if they had come second,
// and nothing is recorded twice.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;

constexpr int kThreads = 8;

// Runs `act(i)` on kThreads threads at once; returns how many returned OK. Every failure must be
// FailedPrecondition (a refusal, never an error of the store).
template <typename Act>
int RaceOnce(Act act) {
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      absl::Status status = act(i);
      if (status.ok()) {
        ++ok;
      } else {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition) << status;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  return ok.load();
}

TEST_P(StoreConformanceTest, ConcurrentClaimsOfOneTaskGiveItToOnePerson) {
  ASSERT_TRUE(
      OpenTaskWith(store(), "r1", MakeTask("t1", "ap", "Approve", 0, std::nullopt, "{}"), At(1)));
  int claimed = RaceOnce([&](int i) {
    return store().ClaimTask("t1", absl::StrCat("user-", i), At(2), absl::Minutes(5)).status();
  });
  EXPECT_EQ(claimed, 1);
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.status, TaskStatus::kClaimed);
  EXPECT_EQ(task.claimed_at, At(2));
}

TEST_P(StoreConformanceTest, ConcurrentDecisionsOnOneTaskResolveItOnce) {
  ASSERT_TRUE(
      OpenTaskWith(store(), "r1", MakeTask("t1", "ap", "Approve", 0, std::nullopt, "{}"), At(1)));
  int resolved = RaceOnce([&](int i) {
    const std::string user = absl::StrCat("user-", i);
    TaskResolution resolution =
        Decide("t1", user, "approve", absl::StrCat(R"({"by":")", user, R"("})"), At(2));
    resolution.records.push_back(NewRecord{"review", "task.resolved", "human:" + user, "{}"});
    resolution.correction_step_id = "fields";
    resolution.corrections.push_back(NewCorrection{"total", "1", 0.5, "2", true});
    return store().ResolveTask(resolution).status();
  });
  EXPECT_EQ(resolved, 1);
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.status, TaskStatus::kResolved);
  // The step resumes with the winner's resolution, and only the winner's records and corrections
  // were written.
  EXPECT_EQ(GetStep("r1", "review").resume_json,
            absl::StrCat(R"({"by":")", task.resolved_by, R"("})"));
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened", "task.resolved"));
  ASSERT_OK_AND_ASSIGN(std::vector<Correction> corrections,
                       store().ListCorrections(CorrectionFilter{}));
  ASSERT_EQ(corrections.size(), 1u);
  EXPECT_EQ(corrections[0].by, task.resolved_by);
}

TEST_P(StoreConformanceTest, ConcurrentEscalationsMoveATaskOnceWithOneNotification) {
  NewTask overdue = MakeTask("t1", "ap", "Approve", 0, At(100), "{}");
  overdue.escalate_to = "ap-urgent";
  overdue.notify_url = "http://hooks.example/escalated";
  ASSERT_TRUE(OpenTaskWith(store(), "r1", overdue, At(1)));
  int escalated = RaceOnce([&](int /*i*/) {
    TaskEscalation escalation{"t1", At(101), R"({"event":"task.escalated"})", {}};
    escalation.records.push_back(NewRecord{"review", "task.escalated", "system", "{}"});
    return store().EscalateTask(escalation).status();
  });
  EXPECT_EQ(escalated, 1);
  ASSERT_OK_AND_ASSIGN(Task task, store().GetTask("t1"));
  EXPECT_EQ(task.queue, "ap-urgent");
  EXPECT_THAT(RecordKinds("r1"), ElementsAre("run.created", "task.opened", "task.escalated"));
  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(101), 100));
  EXPECT_EQ(due.size(), 1u);
}

TEST_P(StoreConformanceTest, ConcurrentPromotionsLeaveOneLiveVersion) {
  auto version = [](int i, VersionStage stage) {
    VersionInfo info{"wf", absl::StrCat("v", i), "workflow: wf\n", "wf.yaml", At(i)};
    info.stage = stage;
    return info;
  };
  ASSERT_OK(store().PutVersion(version(0, VersionStage::kLive)).status());
  for (int i = 1; i <= kThreads; ++i) {
    ASSERT_OK(store().PutVersion(version(i, VersionStage::kDraft)).status());
  }
  ASSERT_OK_AND_ASSIGN(RecordChainHead before, store().GetRecordChainHead());
  int promoted = RaceOnce([&](int i) {
    StageChange change;
    change.workflow = "wf";
    change.version = absl::StrCat("v", i + 1);
    change.to = VersionStage::kLive;
    change.expected_from = VersionStage::kDraft;
    change.now = At(100);
    change.records.push_back({"", "version.promoted", "human:ann", "{}"});
    return store().SetVersionStage(change).status();
  });
  EXPECT_EQ(promoted, kThreads);  // each in turn: every version was a draft when promoted

  ASSERT_OK_AND_ASSIGN(WorkflowInfo workflow, store().GetWorkflow("wf"));
  ASSERT_OK_AND_ASSIGN(std::vector<VersionInfo> versions, store().ListVersions("wf"));
  int live = 0;
  for (const VersionInfo& info : versions) {
    if (info.stage == VersionStage::kLive) {
      ++live;
      EXPECT_EQ(info.version, workflow.live_version);
    } else {
      EXPECT_EQ(info.stage, VersionStage::kRetired) << info.version;
    }
  }
  EXPECT_EQ(live, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> records, store().ScanRecords(before.seq, 0));
  EXPECT_EQ(records.size(), static_cast<size_t>(kThreads));
}

}  // namespace
}  // namespace flowline::store::testing
