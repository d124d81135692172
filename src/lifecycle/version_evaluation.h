// A workflow version (or a bare model's results) scored on a dataset: the runs, the report, its
// JSON and its summary — what `flowline eval` prints and stores and what gates compare.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lifecycle/workflow_evaluation.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"
#include "quality/gate.h"

namespace flowline::lifecycle {

struct ScoredEvaluation {
  quality::EvaluationReport report;
  // Labelled fields the model or step does not extract: left out of the scores, and listed.
  std::vector<std::string> not_extracted;
  quality::EvaluationSummary summary;
  Json json;  // the report's JSON with "labels_not_extracted" and "warnings"
};

// Scores `results` on `dataset`: only the fields some result has are scored (the dataset's other
// labels are not the model's job), at `options`.
ScoredEvaluation ScoreResults(quality::Dataset dataset,
                              const std::vector<quality::DocumentResult>& results,
                              const quality::EvaluationOptions& options);

struct VersionEvaluation {
  WorkflowEvaluation runs;
  ScoredEvaluation scored;  // json also has "workflow": {workflow, version, step, counts, reasons}
};

// EvaluateWorkflow, then ScoreResults at `target_accuracy`.
absl::StatusOr<VersionEvaluation> EvaluateVersion(const Environment& environment,
                                                  const std::string& spec_text,
                                                  const std::string& source_name,
                                                  const quality::Dataset& dataset,
                                                  const WorkflowEvaluationOptions& options,
                                                  double target_accuracy);

}  // namespace flowline::lifecycle
