// The corrections fold (docs/datasets.md, "Corrections flow in"): every resolved review task's
// fields — the values the person accepted or entered, over the AI's — become a case of the
// workflow's reviewed dataset ("<workflow>.reviewed"), with the document and the run's input, the
// AI's values and confidences, and where it came from: "review:<task id>", or "audit:<task id>"
// when the gate opened the task for the random audit sample (an approve there confirms the AI's
// values: the unbiased label).
//
// Each dataset keeps a cursor over the store's corrections (their seq); a fold reads the
// corrections after it and appends their cases as a new version together with the moved cursor,
// in one store transaction. So a fold is idempotent (a second one finds nothing new) and
// crash-safe (a fold that dies stores nothing), and two folds racing add each case once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "steps/artifacts.h"
#include "store/store.h"

namespace flowline::quality {

// "<workflow>.reviewed".
std::string ReviewedDatasetName(const std::string& workflow);

struct ReviewedSync {
  int64_t corrections = 0;            // correction rows folded
  int64_t cases = 0;                  // cases added or updated
  std::vector<std::string> versions;  // the dataset versions made, "NAME@V"
  std::vector<std::string> warnings;  // documents that could not be kept (the case has none)
};

// Folds the corrections of every workflow (or only `workflow`, when given) made since each
// reviewed dataset's cursor. Documents named by a path rather than an artifact key are copied
// into `artifacts` (null: kept as the path). Errors are the store's.
absl::StatusOr<ReviewedSync> SyncReviewedCases(store::Store& store, steps::ArtifactStore* artifacts,
                                               absl::Time now, const std::string& workflow = "");

}  // namespace flowline::quality
