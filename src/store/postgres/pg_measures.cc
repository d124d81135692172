// PostgresStore: measures (docs/measures.md). Several `flowline serve` processes may run the
// rollup at once: the cursor row is compare-and-set first thing in the transaction, so the
// second of two rollups folding the same records waits for the first's row lock, then finds the
// cursor moved and changes nothing (FailedPrecondition: it reads again later).
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_arrays.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"
#include "store/request_checks.h"

namespace flowline::store::postgres {
namespace {

constexpr PgQuery kCursor{"measures_cursor", "SELECT seq FROM measure_cursor WHERE id = 1"};
constexpr PgQuery kMoveCursor{"measures_move_cursor",
                              "UPDATE measure_cursor SET seq = $2 WHERE id = 1 AND seq = $1"};
// The whole batch in one statement: one row per bucket (the batch is summed per key first, as
// ON CONFLICT may touch a row only once per statement), in key order, so two writers of the
// same buckets lock them in the same order.
constexpr PgQuery kAdd{
    "measures_add",
    "INSERT INTO measures AS m (granularity, workflow, step, start, version, measure, label, "
    "count, sum) SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], "
    "$5::text[], $6::text[], $7::text[], $8::bigint[], $9::float8[]) "
    "ON CONFLICT (granularity, workflow, step, start, version, measure, label) DO UPDATE SET "
    "count = m.count + excluded.count, sum = m.sum + excluded.sum"};
// $5/$7: whether the version/step filter applies. Text order is bytewise (COLLATE "C"), as in
// SQLite, whatever the database's default collation.
constexpr PgQuery kList{
    "measures_list",
    "SELECT granularity, start, workflow, version, step, measure, label, count, sum "
    "FROM measures WHERE granularity = $1 AND workflow = $2 AND start >= $3 AND start < $4 "
    "AND (NOT $5 OR version = $6) AND (NOT $7 OR step = $8) "
    "ORDER BY start, version COLLATE \"C\", step COLLATE \"C\", measure COLLATE \"C\", "
    "label COLLATE \"C\""};
constexpr PgQuery kDelete{"measures_delete",
                          "DELETE FROM measures WHERE granularity = $1 AND start < $2"};

using BucketKey = std::tuple<int64_t, std::string, std::string, absl::Time, std::string,
                             std::string, std::string>;

absl::Status AddDeltas(PgTx& tx, const std::vector<MeasureBucket>& deltas) {
  std::map<BucketKey, std::pair<int64_t, double>> summed;
  for (const MeasureBucket& d : deltas) {
    auto& [count, sum] = summed[BucketKey{d.granularity_s, d.workflow, d.step, d.start, d.version,
                                          d.measure, d.label}];
    count += d.count;
    sum += d.sum;
  }
  if (summed.empty()) return absl::OkStatus();
  std::vector<int64_t> granularities, counts;
  std::vector<std::string> workflows, steps, versions, measures, labels;
  std::vector<absl::Time> starts;
  std::vector<double> sums;
  for (const auto& [key, value] : summed) {
    granularities.push_back(std::get<0>(key));
    workflows.push_back(std::get<1>(key));
    steps.push_back(std::get<2>(key));
    starts.push_back(std::get<3>(key));
    versions.push_back(std::get<4>(key));
    measures.push_back(std::get<5>(key));
    labels.push_back(std::get<6>(key));
    counts.push_back(value.first);
    sums.push_back(value.second);
  }
  tx.Exec(kAdd, {PgIntArray(granularities), PgTextArray(workflows), PgTextArray(steps),
                 PgTimeArray(starts), PgTextArray(versions), PgTextArray(measures),
                 PgTextArray(labels), PgIntArray(counts), PgDoubleArray(sums)});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> PostgresStore::GetMeasureCursor() {
  return pool_->Run<int64_t>("GetMeasureCursor", [&](PgTx& tx) -> absl::StatusOr<int64_t> {
    pqxx::result rows = tx.Exec(kCursor);
    return rows.empty() ? 0 : PgInt(rows[0][0]);
  });
}

absl::Status PostgresStore::ApplyMeasures(const MeasureBatch& batch) {
  RETURN_IF_ERROR(ValidateMeasureBatch(batch));
  return pool_->Run("ApplyMeasures", [&](PgTx& tx) -> absl::Status {
    if (tx.Exec(kMoveCursor, {batch.from_seq, batch.to_seq}).affected_rows() != 1) {
      pqxx::result rows = tx.Exec(kCursor);
      return absl::FailedPreconditionError(
          absl::StrCat("the measures cursor is at record ", rows.empty() ? 0 : PgInt(rows[0][0]),
                       ", not ", batch.from_seq, ": another rollup folded these records first"));
    }
    return AddDeltas(tx, batch.deltas);
  });
}

absl::StatusOr<std::vector<MeasureBucket>> PostgresStore::ListMeasures(
    const MeasureFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing measures needs a workflow");
  }
  return pool_->Run<std::vector<MeasureBucket>>(
      "ListMeasures", [&](PgTx& tx) -> absl::StatusOr<std::vector<MeasureBucket>> {
        pqxx::result rows =
            tx.Exec(kList, {filter.granularity_s, filter.workflow, filter.from, filter.until,
                            filter.version.has_value(), filter.version.value_or(""),
                            filter.step.has_value(), filter.step.value_or("")});
        std::vector<MeasureBucket> buckets;
        buckets.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          MeasureBucket bucket;
          bucket.granularity_s = PgInt(row[0]);
          bucket.start = PgTime(row[1]);
          bucket.workflow = PgText(row[2]);
          bucket.version = PgText(row[3]);
          bucket.step = PgText(row[4]);
          bucket.measure = PgText(row[5]);
          bucket.label = PgText(row[6]);
          bucket.count = PgInt(row[7]);
          bucket.sum = PgDouble(row[8]);
          buckets.push_back(std::move(bucket));
        }
        return buckets;
      });
}

absl::StatusOr<int64_t> PostgresStore::DeleteMeasures(int64_t granularity_s, absl::Time before) {
  if (granularity_s <= 0) {
    return absl::InvalidArgumentError(
        "only minute, hour and day buckets expire; the all-time totals are kept");
  }
  return pool_->Run<int64_t>("DeleteMeasures", [&](PgTx& tx) -> absl::StatusOr<int64_t> {
    return static_cast<int64_t>(tx.Exec(kDelete, {granularity_s, before}).affected_rows());
  });
}

}  // namespace flowline::store::postgres
