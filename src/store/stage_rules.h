// How a stage change (docs/releases.md) moves a workflow's versions, independent of how rows are
// stored: SqliteStore and PostgresStore read the version and its workflow, plan the change
// here, and write the plan in their own SQL.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "store/store.h"

namespace flowline::store {

// A stage change worked out on what the store read: the workflow's row after it, and the
// versions whose stage changes, in the order to write them (the changed version itself last;
// absent when the change only sets the canary).
struct StagePlan {
  WorkflowInfo workflow;
  std::vector<std::pair<std::string, VersionStage>> stages;  // version, its new stage
};

// Errors as Store::SetVersionStage (FailedPrecondition, InvalidArgument). `version` is the
// changed version as stored, `workflow` its workflow as stored.
absl::StatusOr<StagePlan> PlanStageChange(const StageChange& change, const VersionInfo& version,
                                          WorkflowInfo workflow);

}  // namespace flowline::store
