// PostgresStore: the decision record.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<std::vector<Record>> PostgresStore::ListRecords(const std::string& /*run_id*/) {
  return absl::UnimplementedError("PostgresStore::ListRecords: not implemented yet");
}

absl::StatusOr<std::vector<Record>> PostgresStore::ScanRecords(int64_t /*after_seq*/,
                                                               int /*limit*/) {
  return absl::UnimplementedError("PostgresStore::ScanRecords: not implemented yet");
}

absl::StatusOr<RecordChainHead> PostgresStore::GetRecordChainHead() {
  return absl::UnimplementedError("PostgresStore::GetRecordChainHead: not implemented yet");
}

}  // namespace flowline::store::postgres
