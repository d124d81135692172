// PostgresStore: checkpoints and retention.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<int64_t> PostgresStore::AddCheckpoint(const Checkpoint& /*checkpoint*/) {
  return absl::UnimplementedError("PostgresStore::AddCheckpoint: not implemented yet");
}

absl::StatusOr<std::vector<Checkpoint>> PostgresStore::ListCheckpoints(int64_t /*after_id*/,
                                                                       int /*limit*/) {
  return absl::UnimplementedError("PostgresStore::ListCheckpoints: not implemented yet");
}

absl::StatusOr<std::optional<Checkpoint>> PostgresStore::LatestCheckpoint() {
  return absl::UnimplementedError("PostgresStore::LatestCheckpoint: not implemented yet");
}

absl::StatusOr<int64_t> PostgresStore::PruneRecords(const Checkpoint& /*cut*/) {
  return absl::UnimplementedError("PostgresStore::PruneRecords: not implemented yet");
}

}  // namespace flowline::store::postgres
