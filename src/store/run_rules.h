// What a step's lease and commit mean, independent of how rows are stored: every Store
// implementation (SqliteStore, PostgresStore) applies these, and only writes the outcome in its
// own SQL.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "store/store.h"

namespace flowline::store {

// The idempotency key of a step: "<run_id>/<step_id>".
std::string IdempotencyKey(const std::string& run_id, const std::string& step_id);

// A ClaimedStep for a lease just granted (its idempotency key derived from the ids).
ClaimedStep MakeClaim(const std::string& run_id, const std::string& workflow,
                      const std::string& version, const std::string& step_id, int attempt,
                      std::string token, absl::Time expires_at, std::string resume_json);

// What the committing step becomes.
struct StepUpdate {
  const char* status = "completed";        // the step's new status name
  std::optional<absl::Time> available_at;  // retry/timer: when it is due again
  bool set_output = false;                 // store output_json and confidence
  bool set_resume = false;                 // store resume_json
  std::string task_id;                     // the task it now waits for ("": unchanged)
  std::optional<absl::Time> finished_at;
};

// On a run that has already ended (`run_open` false) a result is still stored but nothing is
// scheduled: a step that would retry or wait is cancelled instead.
StepUpdate PlanStepUpdate(const StepCommit& commit, bool run_open);

// How a commit starts the dependents that reach zero dependencies: pending when the commit
// finishes the run (the finish settles them), leased to lease_next's owner (continuation on the
// same worker) unless the workflow is paused, else ready.
struct DependentStart {
  bool lease = false;            // leased to commit.lease_next->owner
  const char* status = "ready";  // "ready" | "running" | "pending"
  absl::Time lease_expires_at;   // when `lease`: now + lease_next's duration
};
DependentStart PlanDependentStart(const StepCommit& commit, bool workflow_paused);

// A commit that completes the run must be the one that brings kEndStepId to zero dependencies
// (`end_reached`), or $end's own: Internal otherwise (an engine bug, not the user's).
absl::Status CheckRunCanFinish(const StepCommit& commit, bool end_reached);

}  // namespace flowline::store
