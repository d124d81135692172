// What a worker knows of a run while executing its steps (private to engine/).
//
// `env` is exactly the environment expressions see:
//   {"input": …, "run": {"id","key","workflow","version"},
//    "steps": {"<id>": {"status","output","confidence","skipped"}}}
// Only finished steps (completed/skipped) appear under "steps". A context may be stale in one
// direction only: a step it shows as finished is finished; a step it does not show may have
// finished since.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::engine {

struct RunContext {
  std::string run_id;
  std::string workflow;
  std::string version;
  std::string business_key;
  store::RunMode mode = store::RunMode::kNormal;
  Json env;
  std::set<std::string, std::less<>> finished;  // completed or skipped steps

  // Builds the context of a run from the store's view of it.
  static absl::StatusOr<RunContext> FromDetail(const store::RunDetail& detail);
  // For a brand-new run whose input the caller already has parsed.
  static RunContext ForNewRun(const store::NewRun& run, Json input);

  // Records a finished step.
  void AddFinished(const std::string& step_id, store::StepStatus status, Json output,
                   std::optional<double> confidence);
};

}  // namespace flowline::engine
