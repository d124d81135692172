// The schedule trigger against a real SQLite store and engine, with a fake clock.
#include "triggers/schedule_source.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::SizeIs;

constexpr char kDaily[] = R"(
workflow: report
triggers:
  - schedule: { cron: "0 7 * * *", timezone: Europe/Berlin, input: { report: daily } }
steps:
  - id: echo
    uses: script
    with: { code: "return { at = input.scheduled_for }" }
)";

class ScheduleSourceTest : public testing::TriggerFixture {
 protected:
  absl::Time Berlin(int y, int m, int d, int hh, int mm) {
    absl::TimeZone zone;
    EXPECT_TRUE(absl::LoadTimeZone("Europe/Berlin", &zone));
    return zone.At(absl::CivilSecond(y, m, d, hh, mm, 0)).pre;
  }
  void Poll(TriggerHost& host) { ASSERT_TRUE(host.PollAllOnce().ok()); }
};

TEST_F(ScheduleSourceTest, RunsEachTickOnceWithTheScheduledLocalTime) {
  Deploy(kDaily);
  auto host = NewHost();
  clock_.Set(Berlin(2026, 1, 5, 6, 0));
  Poll(*host);  // first poll: nothing before now is owed
  EXPECT_THAT(Runs("report"), SizeIs(0));
  clock_.Set(Berlin(2026, 1, 5, 6, 59));
  Poll(*host);
  EXPECT_THAT(Runs("report"), SizeIs(0));
  clock_.Set(Berlin(2026, 1, 5, 7, 0));
  Poll(*host);
  Poll(*host);
  clock_.Set(Berlin(2026, 1, 5, 7, 0) + absl::Seconds(30));
  Poll(*host);
  std::vector<store::Run> runs = Runs("report");
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(runs[0].business_key, "schedule:schedule:2026-01-05T06:00:00Z");
  EXPECT_EQ(Json::parse(runs[0].input_json),
            Json::parse(R"({"report": "daily", "scheduled_for": "2026-01-05T07:00:00+01:00"})"));

  clock_.Set(Berlin(2026, 1, 6, 7, 0));
  Poll(*host);
  EXPECT_THAT(Runs("report"), SizeIs(2));
}

TEST_F(ScheduleSourceTest, CatchUpOnceRunsTheNewestMissedTickOnceAtStart) {
  Deploy(kDaily);
  clock_.Set(Berlin(2026, 1, 5, 8, 0));
  Poll(*NewHost());  // the trigger exists from here on
  // Down for three days; the next process starts at 12:00 on the 8th.
  clock_.Set(Berlin(2026, 1, 8, 12, 0));
  auto restarted = NewHost();
  Poll(*restarted);
  Poll(*restarted);
  std::vector<store::Run> runs = Runs("report");
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(Json::parse(runs[0].input_json)["scheduled_for"], "2026-01-08T07:00:00+01:00");
}

TEST_F(ScheduleSourceTest, CatchUpSkipRunsNoMissedTickButTheNextOne) {
  Deploy(R"(
workflow: report
triggers:
  - schedule: { cron: "0 7 * * *", timezone: Europe/Berlin, catch_up: skip }
steps:
  - id: echo
    uses: script
    with: { code: "return {}" }
)");
  clock_.Set(Berlin(2026, 1, 5, 8, 0));
  Poll(*NewHost());
  clock_.Set(Berlin(2026, 1, 8, 12, 0));
  auto restarted = NewHost();
  Poll(*restarted);
  EXPECT_THAT(Runs("report"), SizeIs(0));
  clock_.Set(Berlin(2026, 1, 9, 7, 0));
  Poll(*restarted);
  std::vector<store::Run> runs = Runs("report");
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(Json::parse(runs[0].input_json)["scheduled_for"], "2026-01-09T07:00:00+01:00");
}

TEST_F(ScheduleSourceTest, ACrashAfterTheRunBeforeTheStateRepeatsNothing) {
  Deploy(kDaily);
  auto host = NewHost();
  clock_.Set(Berlin(2026, 1, 5, 6, 0));
  Poll(*host);
  auto before = store_->GetTriggerState("report", "schedule");
  ASSERT_TRUE(before.ok() && before->has_value());
  clock_.Set(Berlin(2026, 1, 5, 7, 0));
  Poll(*host);
  ASSERT_THAT(Runs("report"), SizeIs(1));
  // As if the process died after StartRun and before SaveState.
  ASSERT_TRUE(store_->PutTriggerState("report", "schedule", **before).ok());
  Poll(*NewHost());
  EXPECT_THAT(Runs("report"), SizeIs(1));
}

TEST_F(ScheduleSourceTest, TwoProcessesMakeOneRunPerTick) {
  Deploy(kDaily);
  auto a = NewHost();
  auto b = NewHost();
  clock_.Set(Berlin(2026, 1, 5, 6, 0));
  Poll(*a);
  Poll(*b);
  for (int day = 5; day <= 7; ++day) {
    clock_.Set(Berlin(2026, 1, day, 7, 0));
    Poll(*a);
    Poll(*b);
  }
  EXPECT_THAT(Runs("report"), SizeIs(3));
}

TEST_F(ScheduleSourceTest, NextPollIsAtTheNextTick) {
  engine::TriggerSpec spec;
  spec.type = "schedule";
  spec.id = "schedule";
  spec.with = Json::parse(R"({"cron": "*/15 * * * *"})");
  steps::Connections none;
  SourceEnv env{none, clock_};
  auto source = NewScheduleSource(spec, env);
  ASSERT_TRUE(source.ok()) << source.status();
  const absl::Time now = absl::FromUnixSeconds(1'767'225'600) + absl::Minutes(7);
  EXPECT_EQ((*source)->NextPollIn(now), absl::Minutes(8));

  spec.with = Json::parse(R"({"cron": "0 0 * * *", "timezone": "Mars/Olympus"})");
  auto bad = NewScheduleSource(spec, env);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::triggers
