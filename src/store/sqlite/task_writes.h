// The write transactions on human tasks (claim, release, resolve), run by the writer thread
// inside a request's savepoint. Semantics as documented in store/store.h. Tasks are opened by
// CommitStep (step_commit.cc) and closed when their run ends.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

absl::StatusOr<Task> ClaimTaskRow(Connection& db, const std::string& task_id,
                                  const std::string& user, absl::Time now, absl::Duration lease);

absl::Status ReleaseTaskRow(Connection& db, const std::string& task_id, const std::string& user);

absl::StatusOr<Task> ResolveTaskRow(Connection& db, const TaskResolution& resolution);

absl::StatusOr<Task> EscalateTaskRow(Connection& db, const TaskEscalation& escalation);

// Queues a webhook notification in the outbox (due at once), inside the caller's transaction.
absl::Status InsertNotification(Connection& db, const std::string& url,
                                const std::string& payload_json, absl::Time now);

absl::Status FinishNotificationRow(Connection& db, int64_t seq, bool delivered,
                                   absl::Time retry_at);

}  // namespace flowline::store::sqlite
