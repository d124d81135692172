// PostgresStore: drift and alerts.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<int64_t> PostgresStore::GetDriftCursor() {
  return absl::UnimplementedError("PostgresStore::GetDriftCursor: not implemented yet");
}

absl::StatusOr<std::vector<DriftBucket>> PostgresStore::ListDriftBuckets(
    const DriftBucketFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListDriftBuckets: not implemented yet");
}

absl::StatusOr<std::optional<absl::Time>> PostgresStore::FirstDriftBucket(
    const std::string& /*workflow*/) {
  return absl::UnimplementedError("PostgresStore::FirstDriftBucket: not implemented yet");
}

absl::Status PostgresStore::CommitDriftIngest(const DriftIngest& /*ingest*/) {
  return absl::UnimplementedError("PostgresStore::CommitDriftIngest: not implemented yet");
}

absl::Status PostgresStore::PutDriftReport(const DriftReportRow& /*report*/) {
  return absl::UnimplementedError("PostgresStore::PutDriftReport: not implemented yet");
}

absl::StatusOr<DriftReportRow> PostgresStore::GetDriftReport(const std::string& /*workflow*/) {
  return absl::UnimplementedError("PostgresStore::GetDriftReport: not implemented yet");
}

absl::StatusOr<AlertRaised> PostgresStore::RaiseAlert(const AlertRaise& /*raise*/) {
  return absl::UnimplementedError("PostgresStore::RaiseAlert: not implemented yet");
}

absl::StatusOr<Alert> PostgresStore::GetAlert(const std::string& /*alert_id*/) {
  return absl::UnimplementedError("PostgresStore::GetAlert: not implemented yet");
}

absl::StatusOr<std::vector<Alert>> PostgresStore::ListAlerts(const AlertFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListAlerts: not implemented yet");
}

absl::StatusOr<Alert> PostgresStore::AcknowledgeAlert(const std::string& /*alert_id*/,
                                                      const std::string& /*by*/,
                                                      absl::Time /*now*/) {
  return absl::UnimplementedError("PostgresStore::AcknowledgeAlert: not implemented yet");
}

absl::StatusOr<Alert> PostgresStore::ResolveAlert(const AlertResolve& /*resolve*/) {
  return absl::UnimplementedError("PostgresStore::ResolveAlert: not implemented yet");
}

absl::StatusOr<std::vector<AlertCount>> PostgresStore::CountAlerts() {
  return absl::UnimplementedError("PostgresStore::CountAlerts: not implemented yet");
}

}  // namespace flowline::store::postgres
