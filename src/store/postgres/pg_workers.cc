// PostgresStore: worker heartbeats.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::Status PostgresStore::PutWorkerHeartbeat(const WorkerHeartbeat& /*heartbeat*/) {
  return absl::UnimplementedError("PostgresStore::PutWorkerHeartbeat: not implemented yet");
}

absl::StatusOr<std::vector<WorkerHeartbeat>> PostgresStore::ListWorkers(absl::Time /*seen_since*/) {
  return absl::UnimplementedError("PostgresStore::ListWorkers: not implemented yet");
}

}  // namespace flowline::store::postgres
