// PostgresStore: worker heartbeats, one row per process replaced by each heartbeat
// (docs/scale-out.md). A heartbeat is an upsert, so any number of processes write theirs at
// once without conflict; it also forgets the processes not seen for a day, so restarts (a new
// worker id each) do not pile up.
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

constexpr PgQuery kPut{
    "workers_put",
    "INSERT INTO worker_heartbeats (worker_id, host, pid, role, flowline_version, started_at, "
    "seen_at, workers, steps_running) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "ON CONFLICT (worker_id) DO UPDATE SET host = excluded.host, pid = excluded.pid, "
    "role = excluded.role, flowline_version = excluded.flowline_version, "
    "started_at = excluded.started_at, seen_at = excluded.seen_at, "
    "workers = excluded.workers, steps_running = excluded.steps_running"};
constexpr PgQuery kList{
    "workers_list",
    "SELECT worker_id, host, pid, role, flowline_version, started_at, seen_at, workers, "
    "steps_running FROM worker_heartbeats WHERE seen_at >= $1 ORDER BY worker_id COLLATE \"C\""};
constexpr PgQuery kForget{"workers_forget", "DELETE FROM worker_heartbeats WHERE seen_at < $1"};

constexpr absl::Duration kForgetAfter = absl::Hours(24);

}  // namespace

absl::Status PostgresStore::PutWorkerHeartbeat(const WorkerHeartbeat& heartbeat) {
  if (heartbeat.worker_id.empty()) {
    return absl::InvalidArgumentError("a worker heartbeat needs a worker_id");
  }
  return pool_->Run("PutWorkerHeartbeat", [&](PgTx& tx) -> absl::Status {
    tx.Exec(kPut, {heartbeat.worker_id, heartbeat.host, heartbeat.pid, heartbeat.role,
                   heartbeat.flowline_version, heartbeat.started_at, heartbeat.seen_at,
                   heartbeat.workers, heartbeat.steps_running});
    tx.Exec(kForget, {heartbeat.seen_at - kForgetAfter});
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<WorkerHeartbeat>> PostgresStore::ListWorkers(absl::Time seen_since) {
  return pool_->Run<std::vector<WorkerHeartbeat>>(
      "ListWorkers", [&](PgTx& tx) -> absl::StatusOr<std::vector<WorkerHeartbeat>> {
        pqxx::result rows = tx.Exec(kList, {seen_since});
        std::vector<WorkerHeartbeat> workers;
        workers.reserve(rows.size());
        for (const pqxx::row& row : rows) {
          WorkerHeartbeat heartbeat;
          heartbeat.worker_id = PgText(row[0]);
          heartbeat.host = PgText(row[1]);
          heartbeat.pid = PgInt(row[2]);
          heartbeat.role = PgText(row[3]);
          heartbeat.flowline_version = PgText(row[4]);
          heartbeat.started_at = PgTime(row[5]);
          heartbeat.seen_at = PgTime(row[6]);
          heartbeat.workers = static_cast<int>(PgInt(row[7]));
          heartbeat.steps_running = static_cast<int>(PgInt(row[8]));
          workers.push_back(std::move(heartbeat));
        }
        return workers;
      });
}

}  // namespace flowline::store::postgres
