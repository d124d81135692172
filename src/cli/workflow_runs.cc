#include "cli/workflow_runs.h"

#include <filesystem>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "lifecycle/version_ref.h"

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

absl::StatusOr<WorkflowSpecText> FindWorkflowSpec(const std::string& workflow,
                                                  const GlobalOptions& global) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(workflow, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(workflow));
    return WorkflowSpecText{std::move(text), workflow, false};
  }
  if (absl::EndsWith(workflow, ".yaml") || absl::EndsWith(workflow, ".yml")) {
    return absl::NotFoundError(absl::StrCat("cannot read ", workflow, ": no such file"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<App> app, App::Open(global));
  ASSIGN_OR_RETURN(store::VersionInfo version, lifecycle::ResolveVersion(app->store(), workflow));
  return WorkflowSpecText{std::move(version.spec_source),
                          absl::StrCat(version.workflow, "@", version.version.substr(0, 12)), true};
}

}  // namespace flowline::cli
