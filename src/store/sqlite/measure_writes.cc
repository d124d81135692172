#include "store/sqlite/measure_writes.h"

#include <algorithm>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/request_checks.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

// The steps ("" for run level first) with rows of one granularity of a workflow, found by seeking
// past each one in the primary key: a handful of index seeks instead of a scan.
absl::StatusOr<std::vector<std::string>> StepsOf(Connection& db, int64_t granularity_s,
                                                 const std::string& workflow) {
  std::vector<std::string> steps;
  ASSIGN_OR_RETURN(auto next, db.Prepare("SELECT step FROM measures WHERE granularity = ?1 AND "
                                         "workflow = ?2 AND step >= ?3 ORDER BY step LIMIT 1"));
  std::string from;  // the first step may be "" (run level)
  for (;;) {
    next->Reset();
    next->Bind(1, granularity_s);
    next->Bind(2, workflow);
    next->Bind(3, from);
    ASSIGN_OR_RETURN(bool row, next->Step());
    if (!row) return steps;
    steps.push_back(next->Text(0));
    // The next step is the first greater than this one: this one plus the smallest suffix.
    from = steps.back();
    from.push_back('\0');
  }
}

}  // namespace

absl::StatusOr<int64_t> SelectMeasureCursor(Connection& db) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT seq FROM measure_cursor WHERE id = 1"));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? stmt->Int(0) : 0;
}

absl::Status ApplyMeasureBatch(Connection& db, const MeasureBatch& batch) {
  RETURN_IF_ERROR(ValidateMeasureBatch(batch));
  // The cursor moves first and only from where the batch began: of two rollups folding the same
  // records, the second finds the cursor moved and changes nothing, so no record counts twice.
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE measure_cursor SET seq = ?2 "
                                           "WHERE id = 1 AND seq = ?1"));
    stmt->Bind(1, batch.from_seq);
    stmt->Bind(2, batch.to_seq);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() != 1) {
      ASSIGN_OR_RETURN(int64_t current, SelectMeasureCursor(db));
      return absl::FailedPreconditionError(
          absl::StrCat("the measures cursor is at record ", current, ", not ", batch.from_seq,
                       ": another rollup folded these records first"));
    }
  }
  ASSIGN_OR_RETURN(auto upsert,
                   db.Prepare("INSERT INTO measures (granularity, workflow, start, version, step, "
                              "measure, label, count, sum) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
                              "?8, ?9) ON CONFLICT DO UPDATE SET count = count + excluded.count, "
                              "sum = sum + excluded.sum"));
  for (const MeasureBucket& delta : batch.deltas) {
    upsert->Reset();
    upsert->Bind(1, delta.granularity_s);
    upsert->Bind(2, delta.workflow);
    upsert->Bind(3, delta.start);
    upsert->Bind(4, delta.version);
    upsert->Bind(5, delta.step);
    upsert->Bind(6, delta.measure);
    upsert->Bind(7, delta.label);
    upsert->Bind(8, delta.count);
    upsert->Bind(9, delta.sum);
    RETURN_IF_ERROR(upsert->Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MeasureBucket>> SelectMeasures(Connection& db,
                                                          const MeasureFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing measures needs a workflow");
  }
  // Each step's rows are one range of the primary key (granularity, workflow, step, start); the
  // version filters it. Without a step, every step's range in turn, then in the contract's order.
  std::vector<std::string> steps;
  if (filter.step.has_value()) {
    steps.push_back(*filter.step);
  } else {
    ASSIGN_OR_RETURN(steps, StepsOf(db, filter.granularity_s, filter.workflow));
  }
  std::string sql = absl::StrCat("SELECT ", kMeasureColumns, " FROM measures WHERE ",
                                 "granularity = ?1 AND workflow = ?2 AND step = ?3 AND ",
                                 "start >= ?4 AND start < ?5");
  if (filter.version.has_value()) absl::StrAppend(&sql, " AND version = ?6");
  absl::StrAppend(&sql, " ORDER BY start, version, measure, label");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  std::vector<MeasureBucket> buckets;
  for (const std::string& step : steps) {
    stmt->Reset();
    stmt->Bind(1, filter.granularity_s);
    stmt->Bind(2, filter.workflow);
    stmt->Bind(3, step);
    stmt->Bind(4, filter.from);
    stmt->Bind(5, filter.until);
    if (filter.version.has_value()) stmt->Bind(6, *filter.version);
    for (;;) {
      ASSIGN_OR_RETURN(bool row, stmt->Step());
      if (!row) break;
      buckets.push_back(ReadMeasureRow(*stmt));
    }
  }
  if (steps.size() > 1) {
    std::stable_sort(
        buckets.begin(), buckets.end(), [](const MeasureBucket& a, const MeasureBucket& b) {
          return std::tie(a.start, a.version, a.step) < std::tie(b.start, b.version, b.step);
        });
  }
  return buckets;
}

absl::StatusOr<int64_t> DeleteMeasureBuckets(Connection& db, int64_t granularity_s,
                                             absl::Time before) {
  if (granularity_s <= 0) {
    return absl::InvalidArgumentError(
        "only minute, hour and day buckets expire; the all-time totals are kept");
  }
  // Per workflow and step, so each delete is a range of the primary key rather than a scan.
  std::vector<std::string> workflows;
  {
    ASSIGN_OR_RETURN(auto next, db.Prepare("SELECT workflow FROM measures WHERE granularity = ?1 "
                                           "AND workflow > ?2 ORDER BY workflow LIMIT 1"));
    for (std::string last;;) {
      next->Reset();
      next->Bind(1, granularity_s);
      next->Bind(2, last);
      ASSIGN_OR_RETURN(bool row, next->Step());
      if (!row) break;
      last = next->Text(0);
      workflows.push_back(last);
    }
  }
  int64_t deleted = 0;
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("DELETE FROM measures WHERE granularity = ?1 AND "
                                         "workflow = ?2 AND step = ?3 AND start < ?4"));
  for (const std::string& workflow : workflows) {
    ASSIGN_OR_RETURN(std::vector<std::string> steps, StepsOf(db, granularity_s, workflow));
    for (const std::string& step : steps) {
      stmt->Reset();
      stmt->Bind(1, granularity_s);
      stmt->Bind(2, workflow);
      stmt->Bind(3, step);
      stmt->Bind(4, before);
      RETURN_IF_ERROR(stmt->Run());
      deleted += stmt->Changes();
    }
  }
  return deleted;
}

}  // namespace flowline::store::sqlite
