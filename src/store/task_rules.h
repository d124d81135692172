// The rules of people's work on tasks that every Store implementation enforces alike, under its
// own transaction, so that a refusal reads the same on SQLite and PostgreSQL (store.h says
// which calls refuse what).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace flowline::store {

// FailedPrecondition unless `user` may act on the task at `now`: it is open, or claimed by
// `user`, or its claim has run out.
absl::Status CheckTaskActionable(const std::string& task_id, TaskStatus status,
                                 const std::string& claimed_by,
                                 std::optional<absl::Time> claim_expires_at,
                                 const std::string& user, absl::Time now);

// FailedPrecondition: `user` made the first decision of a four-eyes task, so they can neither
// claim it again nor make the second.
absl::Status FourEyesRefusal(const std::string& task_id, const std::string& user);

// The four-eyes rules of a resolution, given the task's four_eyes flag and first decider as
// read under the transaction: FailedPrecondition if expected_first_by no longer holds (a
// concurrent decision) or the first decider makes the second; InvalidArgument for a first of two
// decisions on a task that needs only one.
absl::Status CheckFourEyes(const TaskResolution& resolution, bool four_eyes,
                           const std::string& first_by);

// FailedPrecondition unless the task is unresolved, has an escalation ahead of it and is past
// its due time at `now`.
absl::Status CheckEscalation(const Task& task, absl::Time now);

}  // namespace flowline::store
