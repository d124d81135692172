// PostgresStore: versions and workflows.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<bool> PostgresStore::PutVersion(const VersionInfo& /*version*/) {
  return absl::UnimplementedError("PostgresStore::PutVersion: not implemented yet");
}

absl::StatusOr<VersionInfo> PostgresStore::GetVersion(const std::string& /*workflow*/,
                                                      const std::string& /*version*/) {
  return absl::UnimplementedError("PostgresStore::GetVersion: not implemented yet");
}

absl::StatusOr<WorkflowInfo> PostgresStore::GetWorkflow(const std::string& /*workflow*/) {
  return absl::UnimplementedError("PostgresStore::GetWorkflow: not implemented yet");
}

absl::StatusOr<std::vector<WorkflowInfo>> PostgresStore::ListWorkflows() {
  return absl::UnimplementedError("PostgresStore::ListWorkflows: not implemented yet");
}

absl::StatusOr<std::vector<VersionInfo>> PostgresStore::ListVersions(
    const std::string& /*workflow*/) {
  return absl::UnimplementedError("PostgresStore::ListVersions: not implemented yet");
}

}  // namespace flowline::store::postgres
