// PostgresStore: measures.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<int64_t> PostgresStore::GetMeasureCursor() {
  return absl::UnimplementedError("PostgresStore::GetMeasureCursor: not implemented yet");
}

absl::Status PostgresStore::ApplyMeasures(const MeasureBatch& /*batch*/) {
  return absl::UnimplementedError("PostgresStore::ApplyMeasures: not implemented yet");
}

absl::StatusOr<std::vector<MeasureBucket>> PostgresStore::ListMeasures(
    const MeasureFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListMeasures: not implemented yet");
}

absl::StatusOr<int64_t> PostgresStore::DeleteMeasures(int64_t /*granularity_s*/,
                                                      absl::Time /*before*/) {
  return absl::UnimplementedError("PostgresStore::DeleteMeasures: not implemented yet");
}

}  // namespace flowline::store::postgres
