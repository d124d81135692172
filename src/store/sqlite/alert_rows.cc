// Alerts in the SQLite store: one unresolved row per (workflow, kind, subject), which the
// partial unique index alerts_ongoing enforces.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/request_checks.h"
#include "store/sqlite/monitor_rows.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/task_writes.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kAlertColumns[] =
    "seq, alert_id, workflow, kind, subject, status, summary, detail_json, opened_at, "
    "updated_at, occurrences, acknowledged_by, acknowledged_at, resolved_by, resolved_at, "
    "resolution";

absl::StatusOr<Alert> ReadAlertRow(const Statement& row) {
  Alert alert;
  alert.seq = row.Int(0);
  alert.alert_id = row.Text(1);
  alert.workflow = row.Text(2);
  alert.kind = row.Text(3);
  alert.subject = row.Text(4);
  const std::string status = row.Text(5);
  std::optional<AlertStatus> parsed = ParseAlertStatus(status);
  if (!parsed.has_value()) {
    return absl::DataLossError(
        absl::StrCat("alert ", alert.alert_id, " has an unknown status '", status, "'"));
  }
  alert.status = *parsed;
  alert.summary = row.Text(6);
  alert.detail_json = row.Text(7);
  alert.opened_at = row.Time(8);
  alert.updated_at = row.Time(9);
  alert.occurrences = row.Int(10);
  alert.acknowledged_by = row.Text(11);
  alert.acknowledged_at = row.OptionalTime(12);
  alert.resolved_by = row.Text(13);
  alert.resolved_at = row.OptionalTime(14);
  alert.resolution = row.Text(15);
  return alert;
}

// The single row a RETURNING statement gives.
absl::StatusOr<Alert> ReturnedAlert(StatementRef& stmt, const std::string& alert_id) {
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("alert ", alert_id, " not found"));
  return ReadAlertRow(*stmt);
}

absl::Status MaybeNotify(Connection& db, const std::string& url, const std::string& payload,
                         absl::Time now) {
  if (url.empty() || payload.empty()) return absl::OkStatus();
  return InsertNotification(db, url, payload, now);
}

}  // namespace

absl::StatusOr<AlertRaised> RaiseAlertRow(Connection& db, const AlertRaise& raise) {
  RETURN_IF_ERROR(ValidateAlertRaise(raise));
  static const std::string kOngoing =
      absl::StrCat("UPDATE alerts SET summary = ?4, detail_json = ?5, updated_at = ?6, ",
                   "occurrences = occurrences + 1 WHERE workflow = ?1 AND kind = ?2 AND ",
                   "subject = ?3 AND status <> 'resolved' RETURNING ", kAlertColumns);
  {
    ASSIGN_OR_RETURN(auto update, db.Prepare(kOngoing));
    update->Bind(1, raise.workflow);
    update->Bind(2, raise.kind);
    update->Bind(3, raise.subject);
    update->Bind(4, raise.summary);
    update->Bind(5, raise.detail_json);
    update->Bind(6, raise.now);
    ASSIGN_OR_RETURN(bool row, update->Step());
    if (row) {
      ASSIGN_OR_RETURN(Alert alert, ReadAlertRow(*update));
      return AlertRaised{std::move(alert), false};
    }
  }
  if (raise.alert_id.empty()) return absl::InvalidArgumentError("a new alert needs an id");
  static const std::string kInsert =
      absl::StrCat("INSERT INTO alerts (alert_id, workflow, kind, subject, status, summary, ",
                   "detail_json, opened_at, updated_at) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ",
                   "?7, ?7) RETURNING ", kAlertColumns);
  ASSIGN_OR_RETURN(auto insert, db.Prepare(kInsert));
  insert->Bind(1, raise.alert_id);
  insert->Bind(2, raise.workflow);
  insert->Bind(3, raise.kind);
  insert->Bind(4, raise.subject);
  insert->Bind(5, raise.summary);
  insert->Bind(6, raise.detail_json);
  insert->Bind(7, raise.now);
  ASSIGN_OR_RETURN(Alert alert, ReturnedAlert(insert, raise.alert_id));
  RETURN_IF_ERROR(MaybeNotify(db, raise.notify_url, raise.notification_json, raise.now));
  return AlertRaised{std::move(alert), true};
}

absl::StatusOr<Alert> SelectAlert(Connection& db, const std::string& alert_id) {
  static const std::string kSql =
      absl::StrCat("SELECT ", kAlertColumns, " FROM alerts WHERE alert_id = ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, alert_id);
  return ReturnedAlert(stmt, alert_id);
}

absl::StatusOr<std::vector<Alert>> SelectAlerts(Connection& db, const AlertFilter& filter) {
  std::string sql = absl::StrCat("SELECT ", kAlertColumns, " FROM alerts WHERE 1");
  if (!filter.workflow.empty()) absl::StrAppend(&sql, " AND workflow = ?2");
  if (!filter.kind.empty()) absl::StrAppend(&sql, " AND kind = ?3");
  if (!filter.subject.empty()) absl::StrAppend(&sql, " AND subject = ?4");
  if (filter.unresolved_only) {
    absl::StrAppend(&sql, " AND status <> 'resolved'");
  } else if (filter.status.has_value()) {
    absl::StrAppend(&sql, " AND status = ?5");
  }
  if (filter.before_seq > 0) absl::StrAppend(&sql, " AND seq < ?6");
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT ?1");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
  stmt->Bind(1, SqlLimit(filter.limit));
  if (!filter.workflow.empty()) stmt->Bind(2, filter.workflow);
  if (!filter.kind.empty()) stmt->Bind(3, filter.kind);
  if (!filter.subject.empty()) stmt->Bind(4, filter.subject);
  if (!filter.unresolved_only && filter.status.has_value()) {
    stmt->Bind(5, AlertStatusName(*filter.status));
  }
  if (filter.before_seq > 0) stmt->Bind(6, filter.before_seq);
  return AllRows<Alert>(stmt, ReadAlertRow);
}

absl::StatusOr<Alert> AcknowledgeAlertRow(Connection& db, const std::string& alert_id,
                                          const std::string& by, absl::Time now) {
  ASSIGN_OR_RETURN(Alert current, SelectAlert(db, alert_id));
  if (current.status != AlertStatus::kOpen) {
    return absl::FailedPreconditionError(absl::StrCat("alert ", alert_id, " is ",
                                                      AlertStatusName(current.status),
                                                      "; only an open alert can be acknowledged"));
  }
  static const std::string kSql =
      absl::StrCat("UPDATE alerts SET status = 'acknowledged', acknowledged_by = ?2, ",
                   "acknowledged_at = ?3 WHERE alert_id = ?1 RETURNING ", kAlertColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, alert_id);
  stmt->Bind(2, by);
  stmt->Bind(3, now);
  return ReturnedAlert(stmt, alert_id);
}

absl::StatusOr<Alert> ResolveAlertRow(Connection& db, const AlertResolve& resolve) {
  ASSIGN_OR_RETURN(Alert current, SelectAlert(db, resolve.alert_id));
  if (current.status == AlertStatus::kResolved) {
    return absl::FailedPreconditionError(absl::StrCat(
        "alert ", resolve.alert_id, " is already resolved (by ", current.resolved_by, ")"));
  }
  static const std::string kSql =
      absl::StrCat("UPDATE alerts SET status = 'resolved', resolved_by = ?2, resolved_at = ?3, ",
                   "resolution = ?4 WHERE alert_id = ?1 RETURNING ", kAlertColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, resolve.alert_id);
  stmt->Bind(2, resolve.by);
  stmt->Bind(3, resolve.now);
  stmt->Bind(4, resolve.resolution);
  ASSIGN_OR_RETURN(Alert alert, ReturnedAlert(stmt, resolve.alert_id));
  RETURN_IF_ERROR(MaybeNotify(db, resolve.notify_url, resolve.notification_json, resolve.now));
  return alert;
}

absl::StatusOr<std::vector<AlertCount>> SelectAlertCounts(Connection& db) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT workflow, kind, status, count(*) FROM alerts "
                                         "WHERE status <> 'resolved' "
                                         "GROUP BY workflow, kind, status "
                                         "ORDER BY workflow, kind, status"));
  return AllRows<AlertCount>(stmt, [](const Statement& row) -> absl::StatusOr<AlertCount> {
    AlertCount count;
    count.workflow = row.Text(0);
    count.kind = row.Text(1);
    const std::string status = row.Text(2);
    std::optional<AlertStatus> parsed = ParseAlertStatus(status);
    if (!parsed.has_value()) {
      return absl::DataLossError(absl::StrCat("an alert has an unknown status '", status, "'"));
    }
    count.status = *parsed;
    count.count = row.Int(3);
    return count;
  });
}

}  // namespace flowline::store::sqlite
