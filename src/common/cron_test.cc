#include "common/cron.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::common {
namespace {

using ::testing::HasSubstr;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

absl::Time Local(absl::TimeZone zone, int y, int m, int d, int hh, int mm) {
  return zone.At(absl::CivilSecond(y, m, d, hh, mm, 0)).pre;
}

std::string Show(absl::Time t, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Ez %a", t, zone);
}

CronSchedule Cron(const std::string& text) {
  auto cron = CronSchedule::Parse(text);
  EXPECT_TRUE(cron.ok()) << cron.status();
  return *cron;
}

TEST(CronScheduleTest, WeekdayMorningsInBerlin) {
  absl::TimeZone berlin = Zone("Europe/Berlin");
  CronSchedule cron = Cron("0 7 * * MON-FRI");
  // Friday 2026-01-09 08:00 → next is Monday 07:00.
  absl::Time next = cron.Next(Local(berlin, 2026, 1, 9, 8, 0), berlin);
  EXPECT_EQ(Show(next, berlin), "2026-01-12 07:00 +01:00 Mon");
  EXPECT_EQ(Show(cron.Next(next, berlin), berlin), "2026-01-13 07:00 +01:00 Tue");
  EXPECT_EQ(Show(cron.Previous(next, berlin), berlin), "2026-01-12 07:00 +01:00 Mon");
  EXPECT_EQ(Show(cron.Previous(next - absl::Seconds(1), berlin), berlin),
            "2026-01-09 07:00 +01:00 Fri");
}

TEST(CronScheduleTest, ListsRangesStepsAndNames) {
  absl::TimeZone utc = absl::UTCTimeZone();
  CronSchedule cron = Cron("*/20 9-10,14 * jan,Jul sun");
  absl::Time t = Local(utc, 2026, 1, 1, 0, 0);  // a Thursday
  std::vector<std::string> ticks;
  for (int i = 0; i < 10; ++i) {
    t = cron.Next(t, utc);
    ticks.push_back(Show(t, utc));
  }
  EXPECT_EQ(ticks[0], "2026-01-04 09:00 +00:00 Sun");
  EXPECT_EQ(ticks[1], "2026-01-04 09:20 +00:00 Sun");
  EXPECT_EQ(ticks[5], "2026-01-04 10:40 +00:00 Sun");
  EXPECT_EQ(ticks[6], "2026-01-04 14:00 +00:00 Sun");
  EXPECT_EQ(ticks[9], "2026-01-11 09:00 +00:00 Sun");
  // 7 is Sunday as 0 is; "5/15" is 5, 20, 35, 50.
  EXPECT_EQ(Cron("0 0 * * 7").Next(Local(utc, 2026, 1, 1, 0, 0), utc),
            Cron("0 0 * * 0").Next(Local(utc, 2026, 1, 1, 0, 0), utc));
  EXPECT_EQ(Show(Cron("5/15 * * * *").Next(Local(utc, 2026, 1, 1, 0, 36), utc), utc),
            "2026-01-01 00:50 +00:00 Thu");
}

TEST(CronScheduleTest, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  absl::TimeZone utc = absl::UTCTimeZone();
  CronSchedule cron = Cron("0 12 13 * FRI");  // the 13th, and every Friday
  absl::Time t = Local(utc, 2026, 2, 1, 0, 0);
  t = cron.Next(t, utc);
  EXPECT_EQ(Show(t, utc), "2026-02-06 12:00 +00:00 Fri");
  t = cron.Next(t, utc);
  EXPECT_EQ(Show(t, utc), "2026-02-13 12:00 +00:00 Fri");
  t = cron.Next(t, utc);
  EXPECT_EQ(Show(t, utc), "2026-02-20 12:00 +00:00 Fri");
  EXPECT_EQ(Show(cron.Next(Local(utc, 2026, 3, 1, 0, 0), utc), utc), "2026-03-06 12:00 +00:00 Fri");
  EXPECT_EQ(Show(cron.Next(Local(utc, 2026, 3, 7, 0, 0), utc), utc), "2026-03-13 12:00 +00:00 Fri");
  EXPECT_EQ(Show(cron.Next(Local(utc, 2026, 4, 10, 13, 0), utc), utc),
            "2026-04-13 12:00 +00:00 Mon");
}

TEST(CronScheduleTest, ALocalTimeSkippedByDaylightSavingHasNoTick) {
  absl::TimeZone berlin = Zone("Europe/Berlin");
  // 2026-03-29: clocks go from 02:00 to 03:00, so 02:30 does not exist that day.
  CronSchedule cron = Cron("30 2 * * *");
  absl::Time t = cron.Next(Local(berlin, 2026, 3, 28, 3, 0), berlin);
  EXPECT_EQ(Show(t, berlin), "2026-03-30 02:30 +02:00 Mon");
  // Every 15 minutes across the gap: 01:45 is followed by 03:00.
  CronSchedule quarter = Cron("*/15 * * * *");
  absl::Time before = Local(berlin, 2026, 3, 29, 1, 45);
  EXPECT_EQ(Show(quarter.Next(before, berlin), berlin), "2026-03-29 03:00 +02:00 Sun");
  EXPECT_EQ(quarter.Next(before, berlin) - before, absl::Minutes(15));
}

TEST(CronScheduleTest, ALocalTimeRepeatedByDaylightSavingTicksOnce) {
  absl::TimeZone berlin = Zone("Europe/Berlin");
  // 2026-10-25: clocks go from 03:00 back to 02:00, so 02:30 happens twice; it ticks at the first.
  CronSchedule cron = Cron("30 2 * * *");
  absl::Time first = cron.Next(Local(berlin, 2026, 10, 25, 0, 0), berlin);
  EXPECT_EQ(Show(first, berlin), "2026-10-25 02:30 +02:00 Sun");
  absl::Time next = cron.Next(first, berlin);
  EXPECT_EQ(Show(next, berlin), "2026-10-26 02:30 +01:00 Mon");
  EXPECT_EQ(cron.Previous(first + absl::Hours(1), berlin), first);  // not the second 02:30
}

TEST(CronScheduleTest, AnImpossibleDateHasNoTick) {
  EXPECT_EQ(Cron("0 0 30 2 *").Next(absl::UnixEpoch(), absl::UTCTimeZone()), absl::InfinitePast());
  // February 29th comes within the search window.
  EXPECT_EQ(Show(Cron("0 0 29 2 *")
                     .Next(Local(absl::UTCTimeZone(), 2026, 3, 1, 0, 0), absl::UTCTimeZone()),
                 absl::UTCTimeZone()),
            "2028-02-29 00:00 +00:00 Tue");
}

TEST(CronScheduleTest, BadExpressionsSayWhichFieldAndWhy) {
  auto expect = [](const std::string& text, const std::string& part) {
    auto cron = CronSchedule::Parse(text);
    ASSERT_FALSE(cron.ok()) << text;
    EXPECT_EQ(cron.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(cron.status().message(), HasSubstr(part)) << text;
  };
  expect("0 7 * *", "has 5 fields");
  expect("0 7 * * * *", "has 6");
  expect("0 24 * * *", "field 2 (hour): 24 is out of range 0-23");
  expect("60 * * * *", "field 1 (minute): 60 is out of range 0-59");
  expect("0 0 0 * *", "field 3 (day of month): 0 is out of range 1-31");
  expect("0 0 * 13 *", "field 4 (month)");
  expect("0 0 * * FRY", "'FRY' is not a number 0-7 or a name SUN-SAT");
  expect("0 0 * * 5-1", "runs backwards");
  expect("*/0 * * * *", "step in '*/0' must be a number >= 1");
  expect("1,,2 * * * *", "empty list item");
  expect("-1 * * * *", "field 1 (minute)");
}

}  // namespace
}  // namespace flowline::common
