#include "monitor/measure_names.h"

#include <cstring>

namespace flowline::monitor {

absl::Time BucketStart(absl::Time at, int64_t granularity_s) {
  if (granularity_s <= 0) return absl::UnixEpoch();
  const int64_t seconds = absl::ToUnixSeconds(at);  // rounds toward negative infinity
  int64_t start = seconds - seconds % granularity_s;
  if (seconds % granularity_s < 0) start -= granularity_s;
  return absl::FromUnixSeconds(start);
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
