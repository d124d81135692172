// The read queries of the SQLite store. Each runs on a read connection taken from the pool;
// those that issue more than one statement read inside one read transaction, so they see a
// single committed state. Semantics (orderings, NotFound cases) as documented in store/store.h;
// where store.h leaves an order open, the comment here says what this store returns.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::StatusOr<VersionInfo> SelectVersion(Connection& db, const std::string& workflow,
                                          const std::string& version);
absl::StatusOr<WorkflowInfo> SelectWorkflow(Connection& db, const std::string& workflow);
// By workflow name.
absl::StatusOr<std::vector<WorkflowInfo>> SelectWorkflows(Connection& db);
// Newest deployment first.
absl::StatusOr<std::vector<VersionInfo>> SelectVersions(Connection& db,
                                                        const std::string& workflow);

absl::StatusOr<Run> SelectRun(Connection& db, const std::string& run_id);
absl::StatusOr<RunDetail> SelectRunDetail(Connection& db, const std::string& run_id);
// Newest first by creation (commit) order. A non-positive limit means no limit. InvalidArgument
// if before_run_id names no run.
absl::StatusOr<std::vector<Run>> SelectRuns(Connection& db, const RunFilter& filter);
// In append order; empty for an unknown run.
absl::StatusOr<std::vector<Record>> SelectRecords(Connection& db, const std::string& run_id);

// Highest priority first, then oldest, then first opened. A non-positive limit means no limit.
absl::StatusOr<std::vector<Task>> SelectTasks(Connection& db, const TaskFilter& filter);
absl::StatusOr<Task> SelectTask(Connection& db, const std::string& task_id);

absl::StatusOr<TokenInfo> SelectToken(Connection& db, const std::string& token_hash);
// Oldest first.
absl::StatusOr<std::vector<TokenInfo>> SelectTokens(Connection& db);

absl::StatusOr<std::optional<absl::Time>> SelectNextDueTime(Connection& db);

absl::StatusOr<std::vector<QueueCounts>> SelectQueueCounts(Connection& db, absl::Time now);
absl::StatusOr<std::vector<Task>> SelectOverdueTasks(Connection& db, absl::Time now, int limit);
absl::StatusOr<std::vector<Notification>> SelectDueNotifications(Connection& db, absl::Time now,
                                                                 int limit);
absl::StatusOr<std::vector<Correction>> SelectCorrections(Connection& db,
                                                          const CorrectionFilter& filter);
absl::StatusOr<UserInfo> SelectUser(Connection& db, const std::string& name);
absl::StatusOr<std::vector<UserInfo>> SelectUsers(Connection& db);

}  // namespace flowline::store::sqlite
