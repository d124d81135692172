// PostgresStore: drift histograms behind their cursor, and drift reports (docs/drift.md). Every
// `flowline serve` may run the drift ingest: the cursor is compare-and-set first thing in the
// transaction, so of two ingests from one cursor the second waits for the first's row lock,
// then finds the cursor moved and writes nothing (FailedPrecondition: read them again).
#include <map>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_arrays.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

constexpr PgQuery kCursor{"drift_cursor", "SELECT value FROM drift_state WHERE name = 'cursor'"};
constexpr PgQuery kMoveCursor{
    "drift_move_cursor", "UPDATE drift_state SET value = $2 WHERE name = 'cursor' AND value = $1"};
// All buckets in one statement, one row per key (the last written wins, as one upsert after the
// other would), in key order.
constexpr PgQuery kPutBuckets{
    "drift_put_buckets",
    "INSERT INTO drift_buckets (workflow, feature, start, type, histogram_json) "
    "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) "
    "ON CONFLICT (workflow, feature, start) DO UPDATE SET type = excluded.type, "
    "histogram_json = excluded.histogram_json"};
// $4: whether the feature filter applies. Features in bytewise order, as in SQLite.
constexpr PgQuery kBuckets{
    "drift_buckets",
    "SELECT workflow, feature, start, type, histogram_json FROM drift_buckets "
    "WHERE workflow = $1 AND start >= $2 AND start < $3 AND (NOT $4 OR feature = $5) "
    "ORDER BY feature COLLATE \"C\", start"};
constexpr PgQuery kFirstBucket{"drift_first_bucket",
                               "SELECT min(start) FROM drift_buckets WHERE workflow = $1"};
constexpr PgQuery kPutReport{
    "drift_put_report",
    "INSERT INTO drift_reports (workflow, checked_at, report_json) VALUES ($1, $2, $3) "
    "ON CONFLICT (workflow) DO UPDATE SET checked_at = excluded.checked_at, "
    "report_json = excluded.report_json"};
constexpr PgQuery kReport{"drift_report",
                          "SELECT workflow, checked_at, report_json FROM drift_reports "
                          "WHERE workflow = $1"};

absl::Status PutBuckets(PgTx& tx, const std::vector<DriftBucket>& buckets) {
  std::map<std::tuple<std::string, std::string, absl::Time>, const DriftBucket*> latest;
  for (const DriftBucket& b : buckets) latest[{b.workflow, b.feature, b.start}] = &b;
  if (latest.empty()) return absl::OkStatus();
  std::vector<std::string> workflows, features, types, histograms;
  std::vector<absl::Time> starts;
  for (const auto& [key, b] : latest) {
    workflows.push_back(b->workflow);
    features.push_back(b->feature);
    starts.push_back(b->start);
    types.push_back(b->type);
    histograms.push_back(b->histogram_json);
  }
  tx.Exec(kPutBuckets, {PgTextArray(workflows), PgTextArray(features), PgTimeArray(starts),
                        PgTextArray(types), PgTextArray(histograms)});
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> PostgresStore::GetDriftCursor() {
  return pool_->Run<int64_t>("GetDriftCursor", [&](PgTx& tx) -> absl::StatusOr<int64_t> {
    pqxx::result rows = tx.Exec(kCursor);
    return rows.empty() ? 0 : PgInt(rows[0][0]);
  });
}

absl::StatusOr<std::vector<DriftBucket>> PostgresStore::ListDriftBuckets(
    const DriftBucketFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing drift buckets needs a workflow");
  }
  return pool_->Run<std::vector<DriftBucket>>(
      "ListDriftBuckets", [&](PgTx& tx) -> absl::StatusOr<std::vector<DriftBucket>> {
        pqxx::result rows = tx.Exec(kBuckets, {filter.workflow, filter.from, filter.until,
                                               !filter.feature.empty(), filter.feature});
        std::vector<DriftBucket> buckets;
        buckets.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          buckets.push_back(DriftBucket{PgText(row[0]), PgText(row[1]), PgTime(row[2]),
                                        PgText(row[3]), PgText(row[4])});
        }
        return buckets;
      });
}

absl::StatusOr<std::optional<absl::Time>> PostgresStore::FirstDriftBucket(
    const std::string& workflow) {
  return pool_->Run<std::optional<absl::Time>>(
      "FirstDriftBucket", [&](PgTx& tx) -> absl::StatusOr<std::optional<absl::Time>> {
        pqxx::result rows = tx.Exec(kFirstBucket, {workflow});
        if (rows.empty()) return std::nullopt;
        return PgOptTime(rows[0][0]);
      });
}

absl::Status PostgresStore::CommitDriftIngest(const DriftIngest& ingest) {
  return pool_->Run("CommitDriftIngest", [&](PgTx& tx) -> absl::Status {
    if (tx.Exec(kMoveCursor, {ingest.expected_cursor, ingest.next_cursor}).affected_rows() != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("the drift histograms moved past record ", ingest.expected_cursor,
                       " meanwhile (another drift check ran); read them again"));
    }
    return PutBuckets(tx, ingest.buckets);
  });
}

absl::Status PostgresStore::PutDriftReport(const DriftReportRow& report) {
  return pool_->Run("PutDriftReport", [&](PgTx& tx) -> absl::Status {
    tx.Exec(kPutReport, {report.workflow, report.checked_at, report.report_json});
    return absl::OkStatus();
  });
}

absl::StatusOr<DriftReportRow> PostgresStore::GetDriftReport(const std::string& workflow) {
  return pool_->Run<DriftReportRow>(
      "GetDriftReport", [&](PgTx& tx) -> absl::StatusOr<DriftReportRow> {
        pqxx::result rows = tx.Exec(kReport, {workflow});
        if (rows.empty()) {
          return absl::NotFoundError(
              absl::StrCat("workflow ", workflow,
                           " has no drift check yet (run `flowline drift check --workflow ",
                           workflow, "`, or wait for the server's periodic check)"));
        }
        return DriftReportRow{PgText(rows[0][0]), PgTime(rows[0][1]), PgText(rows[0][2])};
      });
}

}  // namespace flowline::store::postgres
