#include "store/sqlite/worker_rows.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kWorkerColumns[] =
    "worker_id, host, pid, role, flowline_version, started_at, seen_at, workers, steps_running";

WorkerHeartbeat ReadWorkerRow(const Statement& row) {
  WorkerHeartbeat heartbeat;
  heartbeat.worker_id = row.Text(0);
  heartbeat.host = row.Text(1);
  heartbeat.pid = row.Int(2);
  heartbeat.role = row.Text(3);
  heartbeat.flowline_version = row.Text(4);
  heartbeat.started_at = row.Time(5);
  heartbeat.seen_at = row.Time(6);
  heartbeat.workers = static_cast<int>(row.Int(7));
  heartbeat.steps_running = static_cast<int>(row.Int(8));
  return heartbeat;
}

}  // namespace

absl::Status UpsertWorkerHeartbeat(Connection& db, const WorkerHeartbeat& heartbeat) {
  if (heartbeat.worker_id.empty()) {
    return absl::InvalidArgumentError("a worker heartbeat needs a worker_id");
  }
  ASSIGN_OR_RETURN(
      auto stmt,
      db.Prepare(absl::StrCat(
          "INSERT INTO workers (", kWorkerColumns,
          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (worker_id) DO UPDATE SET "
          "host = excluded.host, pid = excluded.pid, role = excluded.role, "
          "flowline_version = excluded.flowline_version, started_at = excluded.started_at, "
          "seen_at = excluded.seen_at, workers = excluded.workers, "
          "steps_running = excluded.steps_running")));
  stmt->Bind(1, heartbeat.worker_id);
  stmt->Bind(2, heartbeat.host);
  stmt->Bind(3, heartbeat.pid);
  stmt->Bind(4, heartbeat.role);
  stmt->Bind(5, heartbeat.flowline_version);
  stmt->Bind(6, heartbeat.started_at);
  stmt->Bind(7, heartbeat.seen_at);
  stmt->Bind(8, heartbeat.workers);
  stmt->Bind(9, heartbeat.steps_running);
  RETURN_IF_ERROR(stmt->Run());
  ASSIGN_OR_RETURN(auto forget, db.Prepare("DELETE FROM workers WHERE seen_at < ?1"));
  forget->Bind(1, heartbeat.seen_at - kForgetWorkersAfter);
  return forget->Run();
}

absl::StatusOr<std::vector<WorkerHeartbeat>> SelectWorkers(Connection& db, absl::Time seen_since) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kWorkerColumns, " FROM workers WHERE seen_at >= ?1 ORDER BY worker_id");
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, seen_since);
  return AllRows<WorkerHeartbeat>(stmt, ReadWorkerRow);
}

}  // namespace flowline::store::sqlite
