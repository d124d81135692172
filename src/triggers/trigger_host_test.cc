// The trigger host: which sources run (live versions, deploys), their state, threads.
#include "triggers/trigger_host.h"

#include <atomic>
#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A source that counts its passes and keeps a counter in its state.
class CountingSource final : public TriggerSource {
 public:
  explicit CountingSource(std::atomic<int>* polls, std::promise<void>* first = nullptr)
      : polls_(polls), first_(first) {}
  absl::Status Poll(TriggerContext& context, absl::Duration /*budget*/) override {
    auto state = context.LoadState();
    if (!state.ok()) return state.status();
    int n = state->has_value() ? (**state)["n"].get<int>() : 0;
    if (absl::Status saved = context.SaveState(Json{{"n", n + 1}}); !saved.ok()) return saved;
    if (polls_->fetch_add(1) == 0 && first_ != nullptr) first_->set_value();
    return absl::OkStatus();
  }
  absl::Duration NextPollIn(absl::Time /*now*/) const override { return absl::Milliseconds(10); }

 private:
  std::atomic<int>* polls_;
  std::promise<void>* first_;
};

constexpr char kTwoSchedules[] = R"(
workflow: nightly
triggers:
  - webhook: { path: /hooks/nightly }
  - schedule: { cron: "0 1 * * *" }
  - schedule: { id: weekly, cron: "0 2 * * SUN" }
steps:
  - id: echo
    uses: script
    with: { code: "return {}" }
)";

constexpr char kNoTriggers[] = R"(
workflow: nightly
steps:
  - id: echo
    uses: script
    with: { code: "return { v = 2 }" }
)";

class TriggerHostTest : public testing::TriggerFixture {};

TEST_F(TriggerHostTest, RunsTheSourcesOfLiveVersionsAndFollowsDeploys) {
  auto host = NewHost();
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(host->Running(), IsEmpty());
  Deploy(kTwoSchedules);
  ASSERT_TRUE(host->PollAllOnce().ok());
  // Webhooks are the HTTP server's, not sources.
  EXPECT_THAT(host->Running(), ElementsAre("nightly/schedule", "nightly/weekly"));
  Deploy(kNoTriggers);  // the new live version has none
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(host->Running(), IsEmpty());
}

TEST_F(TriggerHostTest, StateIsKeptPerTriggerAcrossHostsAndVersions) {
  std::atomic<int> polls{0};
  registry_.Register("schedule", [&](const engine::TriggerSpec&, const SourceEnv&) {
    return absl::StatusOr<std::unique_ptr<TriggerSource>>(std::make_unique<CountingSource>(&polls));
  });
  Deploy(kTwoSchedules);
  ASSERT_TRUE(NewHost()->PollAllOnce().ok());
  ASSERT_TRUE(NewHost()->PollAllOnce().ok());
  auto state = store_->GetTriggerState("nightly", "weekly");
  ASSERT_TRUE(state.ok() && state->has_value());
  EXPECT_EQ(Json::parse(**state), Json::parse(R"({"n": 2})"));
}

TEST_F(TriggerHostTest, ATriggerThatCannotStartIsReportedAndTheOthersRun) {
  int made = 0;
  registry_.Register("schedule",
                     [&](const engine::TriggerSpec& spec,
                         const SourceEnv&) -> absl::StatusOr<std::unique_ptr<TriggerSource>> {
                       ++made;
                       if (spec.id == "weekly")
                         return absl::FailedPreconditionError("no connection named x");
                       static std::atomic<int> polls{0};
                       return std::make_unique<CountingSource>(&polls);
                     });
  Deploy(kTwoSchedules);
  auto host = NewHost();
  ASSERT_TRUE(host->PollAllOnce().ok());
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(host->Running(), ElementsAre("nightly/schedule"));
  EXPECT_EQ(made, 2);  // the failing one is not made again for the same version
}

TEST_F(TriggerHostTest, StartedHostPollsOnItsOwnThreadsAndStops) {
  std::atomic<int> polls{0};
  std::atomic<int> other_polls{0};
  std::promise<void> first;
  registry_.Register("schedule",
                     [&](const engine::TriggerSpec& spec,
                         const SourceEnv&) -> absl::StatusOr<std::unique_ptr<TriggerSource>> {
                       if (spec.id != "schedule")
                         return std::make_unique<CountingSource>(&other_polls);
                       return std::make_unique<CountingSource>(&polls, &first);
                     });
  Deploy(kTwoSchedules);
  auto host = NewHost();
  ASSERT_TRUE(host->Start().ok());
  EXPECT_EQ(host->Start().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_EQ(first.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  host->Stop();
  const int after_stop = polls.load();
  EXPECT_GE(after_stop, 1);
  host->Stop();  // idempotent
  EXPECT_EQ(polls.load(), after_stop);
}

}  // namespace
}  // namespace flowline::triggers
