// Checks of write requests that every Store implementation makes alike, before it writes
// anything, so that a refused request reads the same on SQLite and PostgreSQL.
//
// Pure functions; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "store/store.h"

namespace flowline::store {

// InvalidArgument if the batch moves the cursor back, or a delta lacks a workflow or a measure
// or has a negative granularity.
absl::Status ValidateMeasureBatch(const MeasureBatch& batch);

// InvalidArgument unless the alert has a workflow, a kind and a subject.
absl::Status ValidateAlertRaise(const AlertRaise& raise);

// InvalidArgument unless the run has an id and a workflow, every step an id and a dependency
// count >= 0, and an eager lease an owner.
absl::Status ValidateNewRun(const NewRun& run);

// InvalidArgument unless the commit names its run and step, a task wait carries its task, a
// finish does not "finish" as running, and lease_next has an owner.
absl::Status ValidateStepCommit(const StepCommit& commit);

// InvalidArgument unless the trigger state names its workflow and trigger id.
absl::Status ValidateTriggerStateKey(const std::string& workflow, const std::string& trigger_id);

}  // namespace flowline::store
