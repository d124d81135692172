// A trained extraction model: per field a vocabulary, an XGBoost ranker and a calibration, stored
// in a model directory written by TrainExtractionModel (trainer.h):
//
//   <dir>/model.json      {"kind": "extract", "format": 1, "name", "sha256", "fields": [...],
//                          "tables": [{"name", "type": "table", "columns"}] (optional),
//                          "date_order", "settings", "training_data_sha256", "heldout": {...},
//                          "field_models": {name: {"file", "file_sha256", "vocabulary",
//                          "feature_names", "calibration"}}}
//   <dir>/<field>.ubj     the field's XGBoost booster (UBJSON)
//
// "sha256" is the hash of model.json's other content (which holds every booster file's hash): the
// model's identity, recorded with every step result. Load() checks it and the file hashes.
//
// Thread-safety: immutable after Load(); Extract() may be called from many threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/extract/calibration.h"
#include "ai/extract/candidates.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/ranker.h"
#include "ai/extract/table_spec.h"
#include "common/json_util.h"

namespace flowline::ai {

struct FieldModel {
  FieldSpec spec;
  std::vector<std::string> vocabulary;
  std::unique_ptr<Ranker> ranker;  // null: no positive example was seen; the field is always null
  Calibration calibration;
};

// One field's answer on one document.
struct FieldResult {
  std::string field;
  std::optional<Candidate> value;  // null: not found on the document (or below the threshold)
  double confidence = 0;           // calibrated P(the answer, value or null, is right)
  double score = 0;                // the ranker's top score
};

// The top candidate and its runner-up's score for ranked `scores` (parallel to candidates).
struct TopTwo {
  int best = -1;
  double score = 0, margin = 0;
};
TopTwo PickTop(const std::vector<float>& scores);

class ExtractionModel {
 public:
  // Reads a model directory. NotFound when <dir>/model.json is missing; InvalidArgument when it
  // is not an extract model or a file's hash does not match (a damaged or edited model).
  static absl::StatusOr<std::unique_ptr<ExtractionModel>> Load(const std::string& dir);

  const std::string& name() const { return name_; }
  const std::string& sha256() const { return sha256_; }
  DateOrder date_order() const { return date_order_; }
  const std::vector<FieldModel>& fields() const { return fields_; }
  // Table fields (model.json "tables"; none in models without line items).
  const std::vector<TableSpec>& tables() const { return tables_; }
  const Json& metadata() const { return metadata_; }

  // Every field's answer. `order` kUnknown uses the model's (the training data's usual) order.
  absl::StatusOr<std::vector<FieldResult>> Extract(const Document& doc, DateOrder order) const;

  // The step's output: {"fields": {name: {"value", "normalized", "confidence", "evidence":
  // {"page", "box", "text"}}}, "values": {name: normalized}, "confidence": min,
  // "model": {"name", "sha256"}}. A null answer has value/normalized/evidence null.
  Json ResultJson(const Document& doc, const std::vector<FieldResult>& results) const;

 private:
  ExtractionModel() = default;
  std::string name_;
  std::string sha256_;
  DateOrder date_order_ = DateOrder::kUnknown;
  std::vector<FieldModel> fields_;
  std::vector<TableSpec> tables_;
  Json metadata_;
};

// Answers one field from its candidates' scores with a calibration (shared by Extract and the
// trainer's held-out evaluation).
FieldResult Answer(const FieldSpec& spec, const Calibration& calibration,
                   const std::vector<Candidate>& candidates, const std::vector<float>& scores);

}  // namespace flowline::ai
