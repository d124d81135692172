// PostgresStore: runs and steps: creating, claiming, committing, leases.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<CreateRunResult> PostgresStore::CreateRun(const NewRun& /*run*/) {
  return absl::UnimplementedError("PostgresStore::CreateRun: not implemented yet");
}

absl::StatusOr<std::vector<ClaimedStep>> PostgresStore::ClaimSteps(const LeaseRequest& /*lease*/,
                                                                   absl::Time /*now*/,
                                                                   int /*max*/) {
  return absl::UnimplementedError("PostgresStore::ClaimSteps: not implemented yet");
}

absl::StatusOr<CommitResult> PostgresStore::CommitStep(const StepCommit& /*commit*/) {
  return absl::UnimplementedError("PostgresStore::CommitStep: not implemented yet");
}

absl::StatusOr<std::vector<std::string>> PostgresStore::RenewLeases(
    const std::string& /*owner*/, const std::vector<ClaimedStep>& /*steps*/,
    absl::Time /*expires_at*/) {
  return absl::UnimplementedError("PostgresStore::RenewLeases: not implemented yet");
}

absl::StatusOr<int> PostgresStore::ExpireAllLeases() {
  return absl::UnimplementedError("PostgresStore::ExpireAllLeases: not implemented yet");
}

absl::StatusOr<std::optional<absl::Time>> PostgresStore::NextDueTime() {
  return absl::UnimplementedError("PostgresStore::NextDueTime: not implemented yet");
}

absl::StatusOr<Run> PostgresStore::GetRun(const std::string& /*run_id*/) {
  return absl::UnimplementedError("PostgresStore::GetRun: not implemented yet");
}

absl::StatusOr<RunDetail> PostgresStore::GetRunDetail(const std::string& /*run_id*/) {
  return absl::UnimplementedError("PostgresStore::GetRunDetail: not implemented yet");
}

absl::StatusOr<std::vector<Run>> PostgresStore::ListRuns(const RunFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListRuns: not implemented yet");
}

}  // namespace flowline::store::postgres
