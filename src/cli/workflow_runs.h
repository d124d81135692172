// Running a workflow spec over a labelled dataset in this program's environment (its step kinds,
// outbound HTTP, a scratch artifact store): lifecycle::EvaluateWorkflow as `flowline eval
// --workflow` and `flowline tune --workflow` use it, with a progress bar.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "cli/app.h"
#include "lifecycle/workflow_evaluation.h"
#include "quality/dataset.h"

namespace flowline::cli {

// `options.progress` is replaced by a progress bar on stderr when `progress` is true. Errors are
// EvaluateWorkflow's.
absl::StatusOr<lifecycle::WorkflowEvaluation> EvaluateSpec(
    const GlobalOptions& global, const std::string& text, const std::string& source,
    const quality::Dataset& dataset, lifecycle::WorkflowEvaluationOptions options, bool progress);

}  // namespace flowline::cli
