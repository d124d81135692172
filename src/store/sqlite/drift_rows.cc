// The record feed, drift histograms and drift reports of the SQLite store.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/monitor_rows.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kBucketColumns[] = "workflow, feature, start, type, histogram_json";

DriftBucket ReadBucketRow(const Statement& row) {
  DriftBucket bucket;
  bucket.workflow = row.Text(0);
  bucket.feature = row.Text(1);
  bucket.start = row.Time(2);
  bucket.type = row.Text(3);
  bucket.histogram_json = row.Text(4);
  return bucket;
}

}  // namespace

absl::StatusOr<std::vector<FeedRecord>> SelectRecordsAfter(Connection& db,
                                                           const RecordFeedRequest& request) {
  // The join finds each record's run by its unique run_id; the seq range walks the records
  // table's own key, so a read costs the records it returns (and those of other kinds it skips).
  std::string sql =
      "SELECT r.seq, r.run_id, r.step_id, r.kind, r.actor, r.payload_json, r.at, runs.workflow, "
      "runs.version, CASE WHEN r.kind = 'run.created' THEN runs.input_json ELSE '' END "
      "FROM records r JOIN runs ON runs.run_id = r.run_id WHERE r.seq > ?1 AND runs.mode = "
      "'normal'";
  if (!request.kinds.empty()) {
    absl::StrAppend(&sql, " AND r.kind IN (");
    for (size_t i = 0; i < request.kinds.size(); ++i) {
      absl::StrAppend(&sql, i == 0 ? "" : ", ", "?", i + 3);
    }
    absl::StrAppend(&sql, ")");
  }
  absl::StrAppend(&sql, " ORDER BY r.seq LIMIT ?2");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, request.after_seq);
  stmt->Bind(2, SqlLimit(request.limit));
  for (size_t i = 0; i < request.kinds.size(); ++i) {
    stmt->Bind(static_cast<int>(i) + 3, request.kinds[i]);
  }
  return AllRows<FeedRecord>(stmt, [](const Statement& row) {
    FeedRecord fed;
    fed.record.seq = row.Int(0);
    fed.record.run_id = row.Text(1);
    fed.record.step_id = row.Text(2);
    fed.record.kind = row.Text(3);
    fed.record.actor = row.Text(4);
    fed.record.payload_json = row.Text(5);
    fed.record.at = row.Time(6);
    fed.workflow = row.Text(7);
    fed.version = row.Text(8);
    fed.run_input_json = row.Text(9);
    return fed;
  });
}

absl::StatusOr<int64_t> SelectDriftCursor(Connection& db) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT value FROM drift_state WHERE name = 'cursor'"));
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  return row ? stmt->Int(0) : 0;
}

absl::StatusOr<std::vector<DriftBucket>> SelectDriftBuckets(Connection& db,
                                                            const DriftBucketFilter& filter) {
  if (filter.workflow.empty()) {
    return absl::InvalidArgumentError("listing drift buckets needs a workflow");
  }
  std::string sql = absl::StrCat("SELECT ", kBucketColumns,
                                 " FROM drift_buckets WHERE workflow = ?1 AND start >= ?2 "
                                 "AND start < ?3");
  if (!filter.feature.empty()) absl::StrAppend(&sql, " AND feature = ?4");
  absl::StrAppend(&sql, " ORDER BY feature, start");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, filter.workflow);
  // Infinite times are bound as the extreme integers.
  stmt->Bind(2, filter.from == absl::InfinitePast() ? INT64_MIN : absl::ToUnixMicros(filter.from));
  stmt->Bind(3,
             filter.until == absl::InfiniteFuture() ? INT64_MAX : absl::ToUnixMicros(filter.until));
  if (!filter.feature.empty()) stmt->Bind(4, filter.feature);
  return AllRows<DriftBucket>(stmt, ReadBucketRow);
}

absl::StatusOr<std::optional<absl::Time>> SelectFirstDriftBucket(Connection& db,
                                                                 const std::string& workflow) {
  ASSIGN_OR_RETURN(auto stmt,
                   db.Prepare("SELECT min(start) FROM drift_buckets WHERE workflow = ?1"));
  stmt->Bind(1, workflow);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::nullopt;
  return stmt->OptionalTime(0);
}

absl::Status WriteDriftIngest(Connection& db, const DriftIngest& ingest) {
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE drift_state SET value = ?2 "
                                           "WHERE name = 'cursor' AND value = ?1"));
    stmt->Bind(1, ingest.expected_cursor);
    stmt->Bind(2, ingest.next_cursor);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() != 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("the drift histograms moved past record ", ingest.expected_cursor,
                       " meanwhile (another drift check ran); read them again"));
    }
  }
  ASSIGN_OR_RETURN(auto upsert,
                   db.Prepare("INSERT INTO drift_buckets (workflow, feature, start, type, "
                              "histogram_json) VALUES (?1, ?2, ?3, ?4, ?5) "
                              "ON CONFLICT (workflow, feature, start) DO UPDATE SET "
                              "type = excluded.type, histogram_json = excluded.histogram_json"));
  for (const DriftBucket& bucket : ingest.buckets) {
    upsert->Reset();
    upsert->Bind(1, bucket.workflow);
    upsert->Bind(2, bucket.feature);
    upsert->Bind(3, bucket.start);
    upsert->Bind(4, bucket.type);
    upsert->Bind(5, bucket.histogram_json);
    RETURN_IF_ERROR(upsert->Run());
  }
  return absl::OkStatus();
}

absl::Status UpsertDriftReport(Connection& db, const DriftReportRow& report) {
  ASSIGN_OR_RETURN(auto stmt,
                   db.Prepare("INSERT INTO drift_reports (workflow, checked_at, report_json) "
                              "VALUES (?1, ?2, ?3) ON CONFLICT (workflow) DO UPDATE SET "
                              "checked_at = excluded.checked_at, "
                              "report_json = excluded.report_json"));
  stmt->Bind(1, report.workflow);
  stmt->Bind(2, report.checked_at);
  stmt->Bind(3, report.report_json);
  return stmt->Run();
}

absl::StatusOr<DriftReportRow> SelectDriftReport(Connection& db, const std::string& workflow) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT workflow, checked_at, report_json "
                                         "FROM drift_reports WHERE workflow = ?1"));
  stmt->Bind(1, workflow);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("workflow ", workflow,
                                            " has no drift check yet (run `flowline drift check "
                                            "--workflow ",
                                            workflow,
                                            "`, or wait for the server's periodic check)"));
  }
  return DriftReportRow{stmt->Text(0), stmt->Time(1), stmt->Text(2)};
}

}  // namespace flowline::store::sqlite
