#include "cli/workflow_runs.h"

#include <memory>

#include "cli/progress.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"
#include "steps/http_client.h"

namespace flowline::cli {

absl::StatusOr<lifecycle::WorkflowEvaluation> EvaluateSpec(
    const GlobalOptions& global, const std::string& text, const std::string& source,
    const quality::Dataset& dataset, lifecycle::WorkflowEvaluationOptions options, bool progress) {
  steps::StepKindRegistry registry;
  RegisterStepKinds(registry, global);
  std::unique_ptr<steps::HttpClient> http = steps::NewCurlHttpClient();
  common::TempDir artifacts_dir;
  std::unique_ptr<steps::ArtifactStore> artifacts =
      steps::NewFileArtifactStore(artifacts_dir.path());
  lifecycle::Environment env;
  env.registry = &registry;
  env.clock = &common::SystemClock::Get();
  env.random = &common::SystemRandom::Get();
  env.http = http.get();
  env.artifacts = artifacts.get();
  ProgressBar bar("runs", static_cast<int64_t>(dataset.documents.size()));
  if (progress) options.progress = [&bar](int done, int) { bar.Update(done); };
  absl::StatusOr<lifecycle::WorkflowEvaluation> evaluation =
      lifecycle::EvaluateWorkflow(env, text, source, dataset, options);
  if (progress) bar.Finish();
  return evaluation;
}

}  // namespace flowline::cli
