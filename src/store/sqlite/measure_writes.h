// The measures of the SQLite store (docs/measures.md): applying a rollup batch together with its
// cursor, reading buckets back, and retention. Semantics as documented in store/store.h.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::StatusOr<int64_t> SelectMeasureCursor(Connection& db);

// Runs on the writer thread, inside the request's transaction.
absl::Status ApplyMeasureBatch(Connection& db, const MeasureBatch& batch);

absl::StatusOr<std::vector<MeasureBucket>> SelectMeasures(Connection& db,
                                                          const MeasureFilter& filter);

// Runs on the writer thread, inside the request's transaction.
absl::StatusOr<int64_t> DeleteMeasureBuckets(Connection& db, int64_t granularity_s,
                                             absl::Time before);

}  // namespace flowline::store::sqlite
