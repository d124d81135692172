// What the SQLite store keeps for monitor/ (docs/drift.md): the record feed, drift histograms
// behind their cursor, the latest drift report per workflow, and alerts. Reads run on a pooled
// read connection, writes on the writer thread inside a request's savepoint. Semantics as
// documented in store/store.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// drift_rows.cc
absl::StatusOr<std::vector<FeedRecord>> SelectRecordsAfter(Connection& db,
                                                           const RecordFeedRequest& request);
absl::StatusOr<int64_t> SelectDriftCursor(Connection& db);
absl::StatusOr<std::vector<DriftBucket>> SelectDriftBuckets(Connection& db,
                                                            const DriftBucketFilter& filter);
absl::StatusOr<std::optional<absl::Time>> SelectFirstDriftBucket(Connection& db,
                                                                 const std::string& workflow);
absl::Status WriteDriftIngest(Connection& db, const DriftIngest& ingest);
absl::Status UpsertDriftReport(Connection& db, const DriftReportRow& report);
absl::StatusOr<DriftReportRow> SelectDriftReport(Connection& db, const std::string& workflow);

// alert_rows.cc
absl::StatusOr<AlertRaised> RaiseAlertRow(Connection& db, const AlertRaise& raise);
absl::StatusOr<Alert> SelectAlert(Connection& db, const std::string& alert_id);
absl::StatusOr<std::vector<Alert>> SelectAlerts(Connection& db, const AlertFilter& filter);
absl::StatusOr<Alert> AcknowledgeAlertRow(Connection& db, const std::string& alert_id,
                                          const std::string& by, absl::Time now);
absl::StatusOr<Alert> ResolveAlertRow(Connection& db, const AlertResolve& resolve);
absl::StatusOr<std::vector<AlertCount>> SelectAlertCounts(Connection& db);

}  // namespace flowline::store::sqlite
