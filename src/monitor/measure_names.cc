#include "monitor/measure_names.h"

#include <cstring>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::monitor {

absl::Time BucketStart(absl::Time at, int64_t granularity_s) {
  if (granularity_s <= 0) return absl::UnixEpoch();
  const int64_t seconds = absl::ToUnixSeconds(at);  // rounds toward negative infinity
  int64_t start = seconds - seconds % granularity_s;
  if (seconds % granularity_s < 0) start -= granularity_s;
  return absl::FromUnixSeconds(start);
}

absl::Time BucketEnd(absl::Time at, int64_t granularity_s) {
  const absl::Time start = BucketStart(at, granularity_s);
  return start < at ? start + absl::Seconds(granularity_s) : start;
}

absl::StatusOr<absl::Time> ParsePeriodBound(std::string_view text, std::string_view what) {
  absl::Time time;
  std::string error;
  const std::string copy(text);
  if (absl::ParseTime(absl::RFC3339_full, copy, &time, &error) ||
      absl::ParseTime("%Y-%m-%d", copy, &time, &error)) {
    return time;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(what), " must be an RFC 3339 time such as 2026-11-24T08:00:00Z or a date (UTC) such as ",
      "2026-11-24, not '", Sv(text), "'"));
}

int64_t ParseGranularity(const char* name) {
  if (std::strcmp(name, "minute") == 0) return kMinute;
  if (std::strcmp(name, "hour") == 0) return kHour;
  if (std::strcmp(name, "day") == 0) return kDay;
  return 0;
}

const char* GranularityName(int64_t granularity_s) {
  switch (granularity_s) {
    case kMinute:
      return "minute";
    case kHour:
      return "hour";
    case kDay:
      return "day";
    default:
      return "total";
  }
}

}  // namespace flowline::monitor
