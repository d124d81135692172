// Evaluations that are kept (docs/evaluation.md): a workflow version scored on a dataset, with
// its summary (the gated measures, quality/gate.h) and its whole report, in the store, so any two
// can be compared field by field and a gate can reuse the live version's evaluation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"
#include "quality/gate.h"
#include "store/store.h"

namespace flowline::lifecycle {

// What an evaluation was of.
struct EvaluationSubject {
  std::string workflow;     // a workflow's name; "model:<name>" for a bare extract model
  std::string version;      // the version's content hash; "" for a bare model
  std::string dataset;      // a stored dataset's name, or the folder evaluated
  int dataset_version = 0;  // 0: not a stored dataset
  std::string split;        // all | train | validation | test
};

// The subject's dataset part from a loaded dataset: a stored one by name and version, a folder
// by its path.
void SetDatasetOf(const quality::Dataset& dataset, const std::string& split,
                  EvaluationSubject& subject);

// Stores `report` (its JSON, with the subject) as a new evaluation. Returns the stored row (its
// id "ev-…", time-ordered). The store's errors.
absl::StatusOr<store::EvaluationRow> SaveEvaluation(
    store::Store& store, const EvaluationSubject& subject, const Json& report,
    const quality::EvaluationSummary& summary, const std::string& created_by,
    const common::Clock& clock, common::Random& random);

// The newest stored evaluation of exactly this subject whose summary was taken at
// `target_accuracy`, or nullopt. Only stored datasets qualify (a folder may have changed).
absl::StatusOr<std::optional<store::EvaluationRow>> FindEvaluation(store::Store& store,
                                                                   const EvaluationSubject& subject,
                                                                   double target_accuracy);

// The summary kept with a stored evaluation. DataLoss when it does not parse.
absl::StatusOr<quality::EvaluationSummary> SummaryOf(const store::EvaluationRow& row);

// A stored evaluation as the CLI's --json and the API show it: what it was of, when, by whom,
// and its summary; with `with_report`, its whole report too. DataLoss when the summary (or the
// report) does not parse.
absl::StatusOr<Json> EvaluationJson(const store::EvaluationRow& row, bool with_report);

// Two stored evaluations field by field (docs/evaluation.md "compare"): per field accuracy and
// coverage with the difference, the summary's measures with the difference, and the cases whose
// field went from right to wrong or back. InvalidArgument when a report does not parse.
absl::StatusOr<Json> CompareEvaluations(const store::EvaluationRow& a,
                                        const store::EvaluationRow& b);
// The comparison as a table for people.
std::string ComparisonTable(const Json& comparison);

}  // namespace flowline::lifecycle
