#include "audit/retention.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "audit/checkpoints.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::audit {
namespace {

constexpr int kMinimumMonths = 6;
// The longest six calendar months (July to December): a period in days must cover it.
constexpr int kMinimumDays = 184;

absl::Status BadRetention(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("retention '", Sv(text), "' ", Sv(why),
                   "; give it as months, years or days, e.g. 13mo (the default), 2y or 400d"));
}

// The first record with seq > after, if any.
absl::StatusOr<std::optional<store::Record>> RecordAfter(store::Store& store, int64_t after) {
  ASSIGN_OR_RETURN(std::vector<store::Record> page, store.ScanRecords(after, 1));
  if (page.empty()) return std::nullopt;
  return std::move(page.front());
}

// The highest seq whose record is older than `cutoff`, given that record `first` is.
absl::StatusOr<int64_t> LastExpired(store::Store& store, const store::Record& first,
                                    absl::Time cutoff) {
  ASSIGN_OR_RETURN(store::RecordChainHead head, store.GetRecordChainHead());
  int64_t expired = first.seq;  // known older than the cutoff
  int64_t kept = head.seq + 1;  // known not (a record past the head counts as kept)
  while (kept - expired > 1) {
    const int64_t mid = expired + (kept - expired) / 2;
    ASSIGN_OR_RETURN(std::optional<store::Record> probe, RecordAfter(store, mid - 1));
    if (probe.has_value() && probe->seq < kept && probe->at < cutoff) {
      expired = probe->seq;
    } else {
      kept = mid;
    }
  }
  return expired;
}

}  // namespace

absl::StatusOr<Retention> Retention::Parse(std::string_view text) {
  Retention retention;
  std::string_view number = text;
  int scale = 1;
  bool in_days = false;
  if (text.size() > 2 && text.substr(text.size() - 2) == "mo") {
    number = text.substr(0, text.size() - 2);
  } else if (text.size() > 1 && text.back() == 'y') {
    number = text.substr(0, text.size() - 1);
    scale = 12;
  } else if (text.size() > 1 && text.back() == 'd') {
    number = text.substr(0, text.size() - 1);
    in_days = true;
  } else {
    return BadRetention(text, "has no unit (mo, y or d)");
  }
  int value = 0;
  if (!absl::SimpleAtoi(Sv(number), &value) || value <= 0 || value > 100000) {
    return BadRetention(text, "is not a whole positive number with a unit");
  }
  if (in_days) {
    retention.months = 0;
    retention.days = value;
    if (value < kMinimumDays) {
      return BadRetention(text,
                          absl::StrCat("is shorter than the minimum of 6 months (", kMinimumDays,
                                       " days): decision records must be "
                                       "kept at least 6 months"));
    }
  } else {
    retention.months = value * scale;
    if (retention.months < kMinimumMonths) {
      return BadRetention(text,
                          "is shorter than the minimum of 6 months: decision records must "
                          "be kept at least 6 months");
    }
  }
  return retention;
}

absl::Time Retention::Cutoff(absl::Time now) const {
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond at = absl::ToCivilSecond(now, utc);
  const absl::CivilMonth month = absl::CivilMonth(at) - months;
  // The same day of that month, or its last day (31 March less a month is 28/29 February).
  const int last_day = static_cast<int>(absl::CivilDay(month + 1) - absl::CivilDay(month));
  const absl::CivilSecond back(month.year(), month.month(), std::min<int>(at.day(), last_day),
                               at.hour(), at.minute(), at.second());
  return absl::FromCivil(back, utc) - absl::Hours(24) * days +
         (now - absl::FromCivil(at, utc));  // keep the sub-second part
}

std::string Retention::ToString() const {
  if (days > 0) return absl::StrCat(days, "d");
  if (months % 12 == 0) return absl::StrCat(months / 12, "y");
  return absl::StrCat(months, "mo");
}

absl::StatusOr<PruneResult> PruneExpiredRecords(store::Store& store, const SigningKey& key,
                                                absl::Time now, const PruneOptions& options) {
  PruneResult result;
  result.cutoff = options.retention.Cutoff(now);
  const int64_t batch = std::max<int64_t>(1, options.batch);
  ASSIGN_OR_RETURN(std::optional<store::Record> first, RecordAfter(store, 0));
  if (!first.has_value() || first->at >= result.cutoff) return result;
  ASSIGN_OR_RETURN(const int64_t last_expired, LastExpired(store, *first, result.cutoff));
  if (options.dry_run) {
    result.cut_seq = last_expired;
    result.removed = last_expired - first->seq + 1;  // seqs have no gaps in an intact chain
    return result;
  }
  while (first.has_value() && first->seq <= last_expired &&
         (options.max_cuts <= 0 || result.cuts < options.max_cuts)) {
    const int64_t target = std::min(last_expired, first->seq + batch - 1);
    ASSIGN_OR_RETURN(std::optional<store::Record> cut, RecordAfter(store, target - 1));
    if (!cut.has_value() || cut->seq > last_expired) break;
    ASSIGN_OR_RETURN(store::Checkpoint checkpoint,
                     SignCheckpoint(key, cut->seq, cut->hash, now, "retention", true));
    ASSIGN_OR_RETURN(int64_t removed, store.PruneRecords(checkpoint));
    result.removed += removed;
    result.cut_seq = cut->seq;
    ++result.cuts;
    ASSIGN_OR_RETURN(first, RecordAfter(store, cut->seq));
  }
  return result;
}

}  // namespace flowline::audit
