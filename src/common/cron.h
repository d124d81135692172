// Cron schedules: the five fields of crontab(5) (minute hour day-of-month month day-of-week)
// evaluated in a time zone (docs/triggers.md).
//
// Each field takes `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b,c`, and for
// month and day-of-week the names JAN-DEC and SUN-SAT (case-insensitive); day-of-week 0 and 7 are
// both Sunday. As in Vixie cron, when both day-of-month and day-of-week are restricted (neither is
// `*`), a day matches if EITHER matches.
//
// Daylight saving time: ticks are local wall-clock times. A local time that does not exist (the
// hour skipped when clocks go forward) has no tick; a local time that occurs twice (the hour
// repeated when clocks go back) ticks once, at its first occurrence.
//
// No Debian package offers a C or C++ cron library, hence this small one. Thread-safe: immutable
// after Parse().
#pragma once

#include <bitset>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::common {

class CronSchedule {
 public:
  // InvalidArgument naming the field and what is wrong with it, e.g. "cron field 2 (hour): 24
  // is out of range 0-23".
  static absl::StatusOr<CronSchedule> Parse(std::string_view text);

  // The first tick strictly after `after`, in `zone`; InfinitePast() if there is none within
  // about five years (e.g. "0 0 30 2 *": February 30th).
  absl::Time Next(absl::Time after, absl::TimeZone zone) const;
  // The last tick at or before `at`, in `zone`; InfinitePast() if none within about five years.
  absl::Time Previous(absl::Time at, absl::TimeZone zone) const;

  const std::string& text() const { return text_; }

 private:
  bool MatchesDay(const absl::CivilDay& day) const;

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0 = Sunday
  bool any_day_ = true;      // day-of-month was `*`
  bool any_weekday_ = true;  // day-of-week was `*`
};

}  // namespace flowline::common
