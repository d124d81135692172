// What a PostgresStore's pool has done so far: the work per run that bench/scaleout reports, and
// from which throughput on a bigger database is estimated (docs/benchmarks.md).
#pragma once

#include <cstdint>

namespace flowline::store::postgres {

struct PgCounters {
  int64_t transactions = 0;  // committed
  int64_t retries = 0;       // transactions run again after a serialization failure/deadlock
  int64_t statements = 0;    // statements executed (each one a round trip)
  int64_t round_trips = 0;   // statements + BEGIN + COMMIT/ROLLBACK + first prepares
};

}  // namespace flowline::store::postgres
