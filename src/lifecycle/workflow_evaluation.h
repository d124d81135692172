// lifecycle/: what runs a workflow VERSION over labelled cases — evaluation now; promotion,
// tuning, retraining and replay build on it (docs/design/lifecycle.md). It sits above engine/:
// it starts engines on scratch stores, and cli/ and server/ call it.
//
// EvaluateWorkflow runs one version on every case of a dataset, in a scratch SQLite store of its
// own as evaluation runs (store::RunMode::kEvaluation: http, sql and file-writing steps do not
// write), and collects per case what quality::Evaluate scores: the extract step's fields
// (value, confidence, evidence), the classify step's label, whether the run went straight
// through or why it went to a person, each step's execution time, and the case's cost.
//
// Thread-safety: EvaluateWorkflow may run concurrently with itself (each call has its own
// scratch store); the Environment's objects must be thread-safe (they are the program's).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "monitor/prices.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"
#include "steps/artifacts.h"
#include "steps/http_client.h"
#include "steps/step_kind.h"

namespace flowline::lifecycle {

// What running a version needs from the program: the step kinds and the world they see. Every
// pointer must outlive the call; http and artifacts may be null.
struct Environment {
  const steps::StepKindRegistry* registry = nullptr;
  const common::Clock* clock = nullptr;
  common::Random* random = nullptr;
  steps::HttpClient* http = nullptr;
  steps::ArtifactStore* artifacts = nullptr;
};

struct WorkflowEvaluationOptions {
  int workers = 2;   // threads executing steps; default 2
  std::string step;  // the step whose fields are scored; default "": the first extract step
  // Prices for the cost per case (models' calls and tokens; people's time for a case that goes
  // to a person, estimated at `human_minutes`). Null: no cost is computed.
  const monitor::PriceTable* prices = nullptr;
  // A person's minutes for a case routed to them; negative (default): the spec's manual_minutes.
  double human_minutes = -1;
  // Called from the calling thread with (cases settled, cases).
  std::function<void(int, int)> progress;
  // Read which fields of the scored step the gate's `confirmed_by:` confirmed (FieldResult::
  // confirmed; one more read of the case's records). Default false.
  bool confirmations = false;
};

// What the runs came to, besides the per-case results.
struct WorkflowEvaluation {
  std::string workflow;
  std::string version;        // the content hash of the spec evaluated
  std::string step;           // the extract step scored
  std::string classify_step;  // "" when the workflow classifies nothing
  int straight_through = 0;   // completed, no person involved
  int waiting = 0;            // waiting for a person
  int failed = 0;             // failed or rejected
  std::string currency;       // of the costs; "" without prices
  // One per dataset document, in the dataset's order (quality::Evaluate scores them).
  std::vector<quality::DocumentResult> results;
};

// Deploys `spec_text` into a scratch store and runs it on every document of `dataset` (each
// document's run input is quality::CaseInput of its path). Errors: InvalidArgument (the spec
// does not validate, it has no extract step or no step `options.step`, a case's input cannot be
// read or breaks the input schema — naming the case); the store's and engine's errors otherwise.
// A run that fails is a result with its error, not an error of the call.
absl::StatusOr<WorkflowEvaluation> EvaluateWorkflow(const Environment& environment,
                                                    std::string_view spec_text,
                                                    std::string_view source_name,
                                                    const quality::Dataset& dataset,
                                                    const WorkflowEvaluationOptions& options);

}  // namespace flowline::lifecycle
