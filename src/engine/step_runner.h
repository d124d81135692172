// Executes one attempt of one step and commits what happened (private to engine/).
//
// The order is the durability contract: evaluate the condition and parameters, call the step
// kind, then commit result + run state change + decision record in one transaction. Nothing is
// visible to any other step before that commit.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "audit/personal_data.h"
#include "common/clock.h"
#include "engine/plan.h"
#include "engine/run_context.h"
#include "steps/http_client.h"
#include "store/store.h"

namespace flowline::engine {

struct StepRunnerOptions {
  std::string worker_id;
  absl::Duration lease = absl::Seconds(60);
  bool lease_next = true;  // lease steps the commit makes ready to this worker
  steps::ArtifactStore* artifacts = nullptr;
  std::string personal_data_key;  // see EngineOptions::personal_data_key
  std::function<std::optional<Json>(const std::string& step_id)> recorded_output;  // ditto
};

struct AttemptResult {
  store::CommitResult commit;
  std::optional<store::RunStatus> finished;  // set when this attempt ended the run
};

class StepRunner {
 public:
  StepRunner(StepRunnerOptions options, store::Store& store, const common::Clock& clock,
             common::Random& random, steps::HttpClient* http)
      : options_(std::move(options)),
        store_(store),
        clock_(clock),
        random_(random),
        http_(http),
        digest_(options_.personal_data_key) {}

  // Runs one attempt of `claimed` (a step of `plan`) and commits its outcome. `ctx` is the run's
  // context if the caller has it; it is (re)loaded when missing or too stale, and updated with
  // the step's result. Returns the commit's result, or why nothing was committed
  // (FailedPrecondition: the lease was lost to another worker).
  absl::StatusOr<AttemptResult> RunAttempt(const Plan& plan, const store::ClaimedStep& claimed,
                                           std::optional<RunContext>& ctx);

 private:
  // What a finished (completed or skipped) step produced.
  struct StepResult {
    store::StepStatus status = store::StepStatus::kCompleted;
    Json output = Json::object();
    std::optional<double> confidence;
    std::optional<steps::ModelRef> model;  // the AI step's model, for the record
    std::optional<Json> usage;             // tokens and calls the attempt consumed
    absl::Duration took;                   // the attempt's execution time
  };
  // Fills `commit` from a finished step, ending the run when it was the last.
  void CompleteStep(const Plan& plan, const PlannedStep& step, int attempt, StepResult result,
                    RunContext& ctx, store::StepCommit& commit);
  // The step's output as the decision record keeps it: personal data digested.
  std::string RecordedOutput(const Plan& plan, const std::string& step_id, const Json& output,
                             const std::string& output_json) const;
  // The routing decision as the decision record keeps it: personal values digested.
  Json RecordedRouting(const Plan& plan, Json routing) const;
  void FailRun(const std::string& step_id, const std::string& error, store::StepCommit& commit);
  void FinishRun(const Plan& plan, RunContext& ctx, store::StepCommit& commit);
  // exceptions.retries_exhausted: the step's last attempt failed; a person decides.
  void OpenExhaustedTask(const Plan& plan, const PlannedStep& step,
                         const store::ClaimedStep& claimed, const std::string& error,
                         absl::Time now, store::StepCommit& commit);
  // The outcome of a person's `skip` or `reject` on an exhausted step (`retry` runs it again).
  static steps::StepOutcome ExhaustedDecision(const std::string& decision, const Json& resume);
  // A shadow run's step that would have opened a task: completed as straight through, with
  // where the case would have gone.
  static steps::StepOutcome ShadowInsteadOfTask(const steps::StepOutcome& waiting);

  StepRunnerOptions options_;
  store::Store& store_;
  const common::Clock& clock_;
  common::Random& random_;
  steps::HttpClient* http_;
  audit::PersonalDigest digest_;
};

// The calling thread's expression sandbox.
expr::Evaluator& ThreadEvaluator();

}  // namespace flowline::engine
