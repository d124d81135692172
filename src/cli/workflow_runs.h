// Running a workflow spec over a labelled dataset in this program's environment (its step kinds,
// outbound HTTP, a scratch artifact store): lifecycle::EvaluateWorkflow as `flowline eval
// --workflow` and `flowline tune --workflow` use it, with a progress bar.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/app.h"
#include "common/temp_dir.h"
#include "lifecycle/workflow_evaluation.h"
#include "quality/dataset.h"
#include "steps/artifacts.h"
#include "steps/http_client.h"
#include "steps/step_kind.h"

namespace flowline::cli {

// What evaluation runs need from the program: its step kinds, clock, HTTP client, and a scratch
// artifact store (page images of the evaluation's runs are not kept). `env` points into this
// object, so it is neither copied nor moved.
struct ProgramEnvironment {
  explicit ProgramEnvironment(const GlobalOptions& global);
  ProgramEnvironment(const ProgramEnvironment&) = delete;
  ProgramEnvironment& operator=(const ProgramEnvironment&) = delete;

  steps::StepKindRegistry registry;
  common::TempDir artifacts_dir;
  std::unique_ptr<steps::HttpClient> http;
  std::unique_ptr<steps::ArtifactStore> artifacts;
  lifecycle::Environment env;
};

// `options.progress` is replaced by a progress bar on stderr when `progress` is true. Errors are
// EvaluateWorkflow's.
absl::StatusOr<lifecycle::WorkflowEvaluation> EvaluateSpec(
    const GlobalOptions& global, const std::string& text, const std::string& source,
    const quality::Dataset& dataset, lifecycle::WorkflowEvaluationOptions options, bool progress);

}  // namespace flowline::cli
