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

}  // namespace flowline::store
