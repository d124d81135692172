#include "common/cron.h"

#include <array>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::common {
namespace {

struct FieldRule {
  const char* name;
  int min;
  int max;
  std::vector<std::string> names;  // names[i] means min + i
};

const std::array<FieldRule, 5>& Rules() {
  static const std::array<FieldRule, 5> kRules = {
      FieldRule{"minute", 0, 59, {}},
      FieldRule{"hour", 0, 23, {}},
      FieldRule{"day of month", 1, 31, {}},
      FieldRule{
          "month",
          1,
          12,
          {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}},
      // 7 is Sunday too (folded onto 0 below).
      FieldRule{"day of week", 0, 7, {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}},
  };
  return kRules;
}

absl::Status FieldError(int index, const std::string& message) {
  return absl::InvalidArgumentError(
      absl::StrCat("cron field ", index + 1, " (", Rules()[index].name, "): ", message));
}

absl::StatusOr<int> ReadValue(const std::string& text, int index) {
  const FieldRule& rule = Rules()[index];
  const std::string upper = absl::AsciiStrToUpper(text);
  for (size_t i = 0; i < rule.names.size(); ++i) {
    if (upper == rule.names[i]) return rule.min + static_cast<int>(i);
  }
  int value = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &value) ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    std::string expected = absl::StrCat("a number ", rule.min, "-", rule.max);
    if (!rule.names.empty()) {
      absl::StrAppend(&expected, " or a name ", rule.names.front(), "-", rule.names.back());
    }
    return FieldError(index, absl::StrCat("'", text, "' is not ", expected));
  }
  if (value < rule.min || value > rule.max) {
    return FieldError(index, absl::StrCat(value, " is out of range ", rule.min, "-", rule.max));
  }
  return value;
}

// The values one field allows, as bits (bit v = value v).
absl::StatusOr<uint64_t> ReadField(const std::string& text, int index) {
  const FieldRule& rule = Rules()[index];
  uint64_t bits = 0;
  for (const std::string& item : std::vector<std::string>(absl::StrSplit(text, ','))) {
    if (item.empty()) return FieldError(index, absl::StrCat("'", text, "' has an empty list item"));
    int step = 1;
    std::string range = item;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      range = item.substr(0, slash);
      const std::string step_text = item.substr(slash + 1);
      if (!absl::SimpleAtoi(step_text, &step) || step < 1 ||
          step_text.find_first_not_of("0123456789") != std::string::npos) {
        return FieldError(index, absl::StrCat("the step in '", item, "' must be a number >= 1"));
      }
    }
    int low = rule.min;
    int high = rule.max;
    if (range != "*") {
      size_t dash = range.find('-');
      auto first = ReadValue(range.substr(0, dash), index);
      if (!first.ok()) return first.status();
      low = *first;
      if (dash != std::string::npos) {
        auto last = ReadValue(range.substr(dash + 1), index);
        if (!last.ok()) return last.status();
        high = *last;
        if (high < low) {
          return FieldError(index, absl::StrCat("the range '", range, "' runs backwards"));
        }
      } else if (step == 1) {
        high = low;  // a single value; "5/15" means 5-max every 15
      }
    }
    for (int v = low; v <= high; v += step) bits |= uint64_t{1} << v;
  }
  return bits;
}

// How far Next/Previous look before giving up: five years covers every leap-day schedule.
constexpr int kSearchDays = 5 * 366 + 1;

}  // namespace

absl::StatusOr<CronSchedule> CronSchedule::Parse(std::string_view text) {
  std::vector<std::string> fields =
      absl::StrSplit(Sv(text), absl::ByAnyChar(" \t"), absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("a cron expression has 5 fields (minute hour day-of-month month "
                     "day-of-week), '",
                     Sv(text), "' has ", fields.size()));
  }
  CronSchedule schedule;
  schedule.text_ = std::string(text);
  std::array<uint64_t, 5> bits{};
  for (int i = 0; i < 5; ++i) {
    auto field = ReadField(fields[i], i);
    if (!field.ok()) return field.status();
    bits[i] = *field;
  }
  schedule.minutes_ = std::bitset<60>(bits[0]);
  schedule.hours_ = std::bitset<24>(bits[1]);
  schedule.days_ = std::bitset<32>(bits[2]);
  schedule.months_ = std::bitset<13>(bits[3]);
  uint64_t weekdays = bits[4];
  if (weekdays & (uint64_t{1} << 7)) weekdays |= 1;  // 7 = Sunday
  schedule.weekdays_ = std::bitset<7>(weekdays & 0x7f);
  schedule.any_day_ = fields[2].front() == '*';
  schedule.any_weekday_ = fields[4].front() == '*';
  return schedule;
}

bool CronSchedule::MatchesDay(const absl::CivilDay& day) const {
  if (!months_.test(day.month())) return false;
  const bool day_ok = days_.test(day.day());
  const int weekday = (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;  // Monday=0 → Sunday=0
  const bool weekday_ok = weekdays_.test(weekday);
  // Vixie cron: both restricted → either matches; otherwise the restricted one decides.
  if (!any_day_ && !any_weekday_) return day_ok || weekday_ok;
  return day_ok && weekday_ok;
}

absl::Time CronSchedule::Next(absl::Time after, absl::TimeZone zone) const {
  absl::CivilDay day = absl::CivilDay(zone.At(after).cs);
  for (int n = 0; n < kSearchDays; ++n, ++day) {
    if (!MatchesDay(day)) continue;
    for (int hour = 0; hour < 24; ++hour) {
      if (!hours_.test(hour)) continue;
      for (int minute = 0; minute < 60; ++minute) {
        if (!minutes_.test(minute)) continue;
        const absl::TimeZone::TimeInfo info =
            zone.At(absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0));
        if (info.kind == absl::TimeZone::TimeInfo::SKIPPED) continue;  // does not exist
        // A repeated local time ticks at its first occurrence only.
        if (info.pre > after) return info.pre;
      }
    }
  }
  return absl::InfinitePast();
}

absl::Time CronSchedule::Previous(absl::Time at, absl::TimeZone zone) const {
  absl::CivilDay day = absl::CivilDay(zone.At(at).cs);
  for (int n = 0; n < kSearchDays; ++n, --day) {
    if (!MatchesDay(day)) continue;
    for (int hour = 23; hour >= 0; --hour) {
      if (!hours_.test(hour)) continue;
      for (int minute = 59; minute >= 0; --minute) {
        if (!minutes_.test(minute)) continue;
        const absl::TimeZone::TimeInfo info =
            zone.At(absl::CivilSecond(day.year(), day.month(), day.day(), hour, minute, 0));
        if (info.kind == absl::TimeZone::TimeInfo::SKIPPED) continue;
        if (info.pre <= at) return info.pre;
      }
    }
  }
  return absl::InfinitePast();
}

}  // namespace flowline::common
