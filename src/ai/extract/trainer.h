// Training an extraction model from labelled documents, and measuring it honestly.
//
// For each field: candidates of its type are generated on every document (candidates.h), the
// ones whose normalised value equals the label are the positives (text types: if none is equal,
// those with the best token F1 >= 0.8), and an XGBoost ranker learns to score them above the
// rest (ranker.h; features.h, with a label-word vocabulary learned from the positives' contexts).
//
// Measurement is by k-fold cross-fitting: each fold's documents are scored by a ranker (and
// vocabulary) trained on the other folds; the calibration (calibration.h) is fitted on all these
// held-out predictions, and its ECE is measured by fitting it again without each fold in turn.
// The final ranker is then trained on every document. model.json reports, per field: documents
// with the field, candidate recall (the label is among the candidates), held-out accuracy (value
// or null right, exact after normalisation), coverage (answered), accuracy of answers, ECE, and
// mean token F1 for text types; overall mean accuracy, ECE and the straight-through rate at 98%
// accuracy of auto-accepted fields (documents whose every field is above one confidence
// threshold, the lowest that keeps accepted fields >= 98% right on held-out data).
//
// Deterministic: same documents, fields and options give byte-identical model files.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/ranker.h"
#include "ai/extract/table_spec.h"
#include "common/json_util.h"

namespace flowline::ai {

struct LabelledDocument {
  std::string file;  // as labels.jsonl names it (fold assignment hashes it)
  Document document;
  DateOrder date_order = DateOrder::kUnknown;
  // Field -> label value (normalised as in docs/design/document-ai.md; printed forms of dates and
  // amounts are tolerated). A field that is not on the document is absent.
  std::map<std::string, std::string> labels;
};

struct TrainOptions {
  std::string name;             // the model's name; default: the output folder's name
  RankerSettings ranker;        // defaults in ranker.h
  int folds = 5;                // cross-fitting folds (fewer if there are fewer documents)
  size_t vocabulary_size = 40;  // learned label words per field
  int max_negatives = 3000;     // per document and field in the training rows (the rest sampled)
  std::string data_sha256;      // the training data's hash, recorded in model.json
  // Table fields (line items): nothing is trained for them; model.json lists them so that the
  // extract step finds the item table (line_items.h). Default: none.
  std::vector<TableSpec> tables;
  std::function<void(std::string_view)> progress;  // optional: one line per step of the work
};

// Trains, measures and writes the model directory `out_dir` (created if missing; see
// extraction_model.h for its files). Returns model.json's content. InvalidArgument for fewer
// than 2 documents or a field whose label never appears among its candidates.
absl::StatusOr<Json> TrainExtractionModel(const std::vector<LabelledDocument>& documents,
                                          const std::vector<FieldSpec>& fields,
                                          const TrainOptions& options, const std::string& out_dir);

}  // namespace flowline::ai
