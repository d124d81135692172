#include "cli/workflow_runs.h"

#include <memory>

#include "cli/progress.h"
#include "common/clock.h"

namespace flowline::cli {

ProgramEnvironment::ProgramEnvironment(const GlobalOptions& global)
    : http(steps::NewCurlHttpClient()),
      artifacts(steps::NewFileArtifactStore(artifacts_dir.path())) {
  RegisterStepKinds(registry, global);
  env.registry = &registry;
  env.clock = &common::SystemClock::Get();
  env.random = &common::SystemRandom::Get();
  env.http = http.get();
  env.artifacts = artifacts.get();
}

absl::StatusOr<lifecycle::WorkflowEvaluation> EvaluateSpec(
    const GlobalOptions& global, const std::string& text, const std::string& source,
    const quality::Dataset& dataset, lifecycle::WorkflowEvaluationOptions options, bool progress) {
  ProgramEnvironment environment(global);
  ProgressBar bar("runs", static_cast<int64_t>(dataset.documents.size()));
  if (progress) options.progress = [&bar](int done, int) { bar.Update(done); };
  absl::StatusOr<lifecycle::WorkflowEvaluation> evaluation =
      lifecycle::EvaluateWorkflow(environment.env, text, source, dataset, options);
  if (progress) bar.Finish();
  return evaluation;
}

}  // namespace flowline::cli
