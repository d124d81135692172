// The release gate, run (docs/evaluation.md): a candidate version and the live version evaluated
// on the workflow's gate dataset, their summaries compared (quality::CheckGate). What
// `flowline eval --gate` prints and `flowline promote` refuses on.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "lifecycle/stored_evaluation.h"
#include "lifecycle/workflow_evaluation.h"
#include "quality/gate.h"
#include "steps/artifacts.h"
#include "store/store.h"

namespace flowline::lifecycle {

struct GateCheckOptions {
  int workers = 2;   // threads per evaluation; default 2
  std::string step;  // the step whose fields are scored; default "": the first extract step
  const monitor::PriceTable* prices = nullptr;  // null: cost is not gated
  std::string created_by;                       // who the stored evaluations are by
  // Reuse a stored evaluation of the live version on the same dataset version, split and target
  // (default true); the candidate is always evaluated.
  bool reuse_live = true;
  std::function<void(const std::string& what)> progress;  // "evaluating candidate ...", or null
};

struct GateCheck {
  quality::ReleaseGate gate;
  std::string workflow;
  std::string candidate_version;
  std::string live_version;  // "" when nothing is live
  EvaluationSubject candidate_subject;
  store::EvaluationRow candidate;            // stored when the dataset is stored, else id ""
  std::optional<store::EvaluationRow> live;  // the live version's evaluation (stored or reused)
  bool live_reused = false;
  quality::GateResult result;

  Json ToJson() const;
  std::string ToTable() const;
};

// Evaluates `spec_text` (the candidate) on its own spec's `release: gate` dataset and split, and
// compares it with the workflow's live version in `store` (its stored evaluation when there is
// one, else evaluated now). The dataset is a stored dataset (NAME or NAME@VERSION, read through
// `artifacts`) or, when no dataset of that name is stored, a folder. Evaluations on a stored
// dataset are saved. Errors: FailedPrecondition when the spec has no release gate (saying how
// to write one); InvalidArgument for a spec that does not validate; NotFound for a dataset
// that is neither stored nor a folder; evaluation errors otherwise.
absl::StatusOr<GateCheck> CheckReleaseGate(const Environment& environment, store::Store& store,
                                           const steps::ArtifactStore* artifacts,
                                           const std::string& spec_text,
                                           const std::string& source_name,
                                           const GateCheckOptions& options);

}  // namespace flowline::lifecycle
