// PostgresStore: datasets.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<DatasetAppendResult> PostgresStore::AppendDatasetCases(
    const DatasetAppend& /*append*/) {
  return absl::UnimplementedError("PostgresStore::AppendDatasetCases: not implemented yet");
}

absl::StatusOr<DatasetInfo> PostgresStore::GetDataset(const std::string& /*name*/) {
  return absl::UnimplementedError("PostgresStore::GetDataset: not implemented yet");
}

absl::StatusOr<std::vector<DatasetInfo>> PostgresStore::ListDatasets() {
  return absl::UnimplementedError("PostgresStore::ListDatasets: not implemented yet");
}

absl::StatusOr<std::vector<DatasetVersion>> PostgresStore::ListDatasetVersions(
    const std::string& /*name*/) {
  return absl::UnimplementedError("PostgresStore::ListDatasetVersions: not implemented yet");
}

absl::StatusOr<DatasetVersion> PostgresStore::GetDatasetVersion(const std::string& /*name*/,
                                                                int /*version*/) {
  return absl::UnimplementedError("PostgresStore::GetDatasetVersion: not implemented yet");
}

absl::StatusOr<std::vector<DatasetCase>> PostgresStore::ListDatasetCases(
    const std::string& /*name*/, int /*version*/) {
  return absl::UnimplementedError("PostgresStore::ListDatasetCases: not implemented yet");
}

}  // namespace flowline::store::postgres
