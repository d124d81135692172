// PostgresStore: alerts. One ongoing finding is one row: the partial unique index alerts_ongoing
// (one unresolved row per workflow, kind and subject) holds it even when several `flowline
// serve` processes raise the same finding at once, and every state change is one conditional
// UPDATE, so of two people acknowledging (or resolving) one alert exactly one succeeds.
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/postgres/pg_outbox.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"
#include "store/request_checks.h"

namespace flowline::store::postgres {
namespace {

#define FLOWLINE_ALERT_COLUMNS                                                            \
  "seq, alert_id, workflow, kind, subject, status, summary, detail_json, opened_at, "     \
  "updated_at, occurrences, acknowledged_by, acknowledged_at, resolved_by, resolved_at, " \
  "resolution"

constexpr PgQuery kRefresh{
    "alerts_refresh",
    "UPDATE alerts SET summary = $4, detail_json = $5, updated_at = $6, "
    "occurrences = occurrences + 1 WHERE workflow = $1 AND kind = $2 AND subject = $3 AND "
    "status <> 'resolved' RETURNING " FLOWLINE_ALERT_COLUMNS};
// DO NOTHING when another transaction opened the same finding first: the caller refreshes it.
constexpr PgQuery kOpen{
    "alerts_open",
    "INSERT INTO alerts (alert_id, workflow, kind, subject, status, summary, detail_json, "
    "opened_at, updated_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7) "
    "ON CONFLICT (workflow, kind, subject) WHERE status <> 'resolved' DO NOTHING "
    "RETURNING " FLOWLINE_ALERT_COLUMNS};
constexpr PgQuery kGet{"alerts_get",
                       "SELECT " FLOWLINE_ALERT_COLUMNS " FROM alerts WHERE alert_id = $1"};
// $2..$6: workflow, kind, subject ('' for any), status ('' for any, 'unresolved' for open or
// acknowledged), before_seq (0 for none); $1 the limit (NULL for none).
constexpr PgQuery kList{"alerts_list",
                        "SELECT " FLOWLINE_ALERT_COLUMNS
                        " FROM alerts WHERE ($2 = '' OR workflow = $2) AND "
                        "($3 = '' OR kind = $3) AND ($4 = '' OR subject = $4) AND ($5 = '' OR "
                        "($5 = 'unresolved' AND status <> 'resolved') OR status = $5) AND "
                        "($6::bigint = 0 OR seq < $6::bigint) "
                        "ORDER BY seq DESC LIMIT $1"};
constexpr PgQuery kAcknowledge{
    "alerts_acknowledge",
    "UPDATE alerts SET status = 'acknowledged', acknowledged_by = $2, acknowledged_at = $3 "
    "WHERE alert_id = $1 AND status = 'open' RETURNING " FLOWLINE_ALERT_COLUMNS};
constexpr PgQuery kResolve{
    "alerts_resolve",
    "UPDATE alerts SET status = 'resolved', resolved_by = $2, resolved_at = $3, resolution = $4 "
    "WHERE alert_id = $1 AND status <> 'resolved' RETURNING " FLOWLINE_ALERT_COLUMNS};
constexpr PgQuery kCount{
    "alerts_count",
    "SELECT workflow, kind, status, count(*) FROM alerts WHERE status <> 'resolved' "
    "GROUP BY workflow, kind, status "
    "ORDER BY workflow COLLATE \"C\", kind COLLATE \"C\", status COLLATE \"C\""};

#undef FLOWLINE_ALERT_COLUMNS

absl::StatusOr<AlertStatus> StatusOf(const std::string& name, const std::string& alert_id) {
  std::optional<AlertStatus> parsed = ParseAlertStatus(name);
  if (!parsed.has_value()) {
    return absl::DataLossError(
        absl::StrCat("alert ", alert_id, " has an unknown status '", name, "'"));
  }
  return *parsed;
}

absl::StatusOr<Alert> ReadAlert(const pqxx::row& row) {
  Alert alert;
  alert.seq = PgInt(row[0]);
  alert.alert_id = PgText(row[1]);
  alert.workflow = PgText(row[2]);
  alert.kind = PgText(row[3]);
  alert.subject = PgText(row[4]);
  ASSIGN_OR_RETURN(alert.status, StatusOf(PgText(row[5]), alert.alert_id));
  alert.summary = PgText(row[6]);
  alert.detail_json = PgText(row[7]);
  alert.opened_at = PgTime(row[8]);
  alert.updated_at = PgTime(row[9]);
  alert.occurrences = PgInt(row[10]);
  alert.acknowledged_by = PgText(row[11]);
  alert.acknowledged_at = PgOptTime(row[12]);
  alert.resolved_by = PgText(row[13]);
  alert.resolved_at = PgOptTime(row[14]);
  alert.resolution = PgText(row[15]);
  return alert;
}

absl::StatusOr<Alert> OneAlert(const pqxx::result& rows, const std::string& alert_id) {
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("alert ", alert_id, " not found"));
  return ReadAlert(rows[0]);
}

void MaybeNotify(PgTx& tx, const std::string& url, const std::string& payload, absl::Time now) {
  if (url.empty() || payload.empty()) return;
  InsertNotification(tx, url, payload, now);
}

// An alert that a conditional UPDATE did not change: NotFound, or FailedPrecondition saying
// what state it is in.
absl::Status Refused(PgTx& tx, const std::string& alert_id, const char* wanted) {
  ASSIGN_OR_RETURN(Alert current, OneAlert(tx.Exec(kGet, {alert_id}), alert_id));
  if (current.status == AlertStatus::kResolved) {
    return absl::FailedPreconditionError(
        absl::StrCat("alert ", alert_id, " is already resolved (by ", current.resolved_by, ")"));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("alert ", alert_id, " is ", AlertStatusName(current.status), "; ", wanted));
}

}  // namespace

absl::StatusOr<AlertRaised> PostgresStore::RaiseAlert(const AlertRaise& raise) {
  RETURN_IF_ERROR(ValidateAlertRaise(raise));
  return pool_->Run<AlertRaised>("RaiseAlert", [&](PgTx& tx) -> absl::StatusOr<AlertRaised> {
    // Refresh, else open; an open that loses to a concurrent one (DO NOTHING, after waiting for
    // it to commit) finds that one on the next refresh, which reads the newest committed rows.
    for (int attempt = 0; attempt < 3; ++attempt) {
      pqxx::result refreshed = tx.Exec(kRefresh, {raise.workflow, raise.kind, raise.subject,
                                                  raise.summary, raise.detail_json, raise.now});
      if (!refreshed.empty()) {
        ASSIGN_OR_RETURN(Alert alert, ReadAlert(refreshed[0]));
        return AlertRaised{std::move(alert), false};
      }
      if (raise.alert_id.empty()) return absl::InvalidArgumentError("a new alert needs an id");
      pqxx::result opened =
          tx.Exec(kOpen, {raise.alert_id, raise.workflow, raise.kind, raise.subject, raise.summary,
                          raise.detail_json, raise.now});
      if (!opened.empty()) {
        ASSIGN_OR_RETURN(Alert alert, ReadAlert(opened[0]));
        MaybeNotify(tx, raise.notify_url, raise.notification_json, raise.now);
        return AlertRaised{std::move(alert), true};
      }
    }
    return absl::AbortedError(absl::StrCat("alert ", raise.workflow, "/", raise.kind, "/",
                                           raise.subject,
                                           " kept being opened and resolved meanwhile; try again"));
  });
}

absl::StatusOr<Alert> PostgresStore::GetAlert(const std::string& alert_id) {
  return pool_->Run<Alert>("GetAlert", [&](PgTx& tx) -> absl::StatusOr<Alert> {
    return OneAlert(tx.Exec(kGet, {alert_id}), alert_id);
  });
}

absl::StatusOr<std::vector<Alert>> PostgresStore::ListAlerts(const AlertFilter& filter) {
  std::string status;
  if (filter.unresolved_only) {
    status = "unresolved";
  } else if (filter.status.has_value()) {
    status = AlertStatusName(*filter.status);
  }
  const std::optional<int64_t> limit = PgLimit(filter.limit);
  return pool_->Run<std::vector<Alert>>(
      "ListAlerts", [&](PgTx& tx) -> absl::StatusOr<std::vector<Alert>> {
        pqxx::result rows = tx.Exec(kList, {limit, filter.workflow, filter.kind, filter.subject,
                                            status, filter.before_seq});
        std::vector<Alert> alerts;
        alerts.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          ASSIGN_OR_RETURN(Alert alert, ReadAlert(row));
          alerts.push_back(std::move(alert));
        }
        return alerts;
      });
}

absl::StatusOr<Alert> PostgresStore::AcknowledgeAlert(const std::string& alert_id,
                                                      const std::string& by, absl::Time now) {
  return pool_->Run<Alert>("AcknowledgeAlert", [&](PgTx& tx) -> absl::StatusOr<Alert> {
    pqxx::result rows = tx.Exec(kAcknowledge, {alert_id, by, now});
    if (rows.empty()) return Refused(tx, alert_id, "only an open alert can be acknowledged");
    return ReadAlert(rows[0]);
  });
}

absl::StatusOr<Alert> PostgresStore::ResolveAlert(const AlertResolve& resolve) {
  return pool_->Run<Alert>("ResolveAlert", [&](PgTx& tx) -> absl::StatusOr<Alert> {
    pqxx::result rows =
        tx.Exec(kResolve, {resolve.alert_id, resolve.by, resolve.now, resolve.resolution});
    if (rows.empty()) return Refused(tx, resolve.alert_id, "it cannot be resolved");
    ASSIGN_OR_RETURN(Alert alert, ReadAlert(rows[0]));
    MaybeNotify(tx, resolve.notify_url, resolve.notification_json, resolve.now);
    return alert;
  });
}

absl::StatusOr<std::vector<AlertCount>> PostgresStore::CountAlerts() {
  return pool_->Run<std::vector<AlertCount>>(
      "CountAlerts", [&](PgTx& tx) -> absl::StatusOr<std::vector<AlertCount>> {
        pqxx::result rows = tx.Exec(kCount);
        std::vector<AlertCount> counts;
        counts.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          AlertCount count;
          count.workflow = PgText(row[0]);
          count.kind = PgText(row[1]);
          ASSIGN_OR_RETURN(count.status, StatusOf(PgText(row[2]), "of " + count.workflow));
          count.count = PgInt(row[3]);
          counts.push_back(std::move(count));
        }
        return counts;
      });
}

}  // namespace flowline::store::postgres
