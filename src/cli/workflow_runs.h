// Running a workflow spec over a labelled dataset in this program's environment (its step kinds,
// outbound HTTP, a scratch artifact store): lifecycle::EvaluateWorkflow as `flowline eval
// --workflow` and `flowline tune --workflow` use it, with a progress bar; and finding the spec
// a command names.
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

// A workflow spec named on the command line: a file, or a deployed version (NAME or
// NAME@VERSION, default the live one) in the store.
struct WorkflowSpecText {
  std::string text;
  std::string source;     // the file, or NAME@VERSION (12 hex digits)
  bool deployed = false;  // a version from the store, not a file
};

// NotFound for a missing .yaml/.yml file or an unknown workflow or version.
absl::StatusOr<WorkflowSpecText> FindWorkflowSpec(const std::string& workflow,
                                                  const GlobalOptions& global);

}  // namespace flowline::cli
