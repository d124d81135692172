// K-fold cross-validation of extract models (`flowline eval --folds K`): the documents are cut
// into K folds by id (quality::AssignFolds, the split's hash), and for each fold a model is
// trained on the other K-1 folds (plus any --extra-data folders, whole) exactly as `flowline
// train extract` trains one (cli/training_data.h, ai::TrainExtractionModel) and run on the
// held-out fold as `flowline eval --model` runs one (cli/extract_results.h). Every document is
// therefore predicted once, by a model that never saw it, and the predictions are pooled into one
// result list that the caller scores like any other evaluation (lifecycle::ScoreResults), so the
// calibration and the straight-through threshold are computed on all the held-out confidences.
//
// Each document is read once (through the document cache) and reused by every fold. Not
// thread-safe; deterministic for the same documents, fields, options and seed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/extract/trainer.h"
#include "cli/extract_results.h"
#include "common/json_util.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::cli {

struct CrossValidationOptions {
  int folds = 5;      // K >= 2 and at most the number of documents
  uint64_t seed = 1;  // the folds' seed (the split's --split-seed); default 1
  // The fields to train: a FIELDS file or an inline name:type list (as `train extract
  // --fields`); "" (default): the dataset's fields.
  std::string fields;
  std::vector<std::string> extra_data;  // folders trained on in every fold, whole; default none
  // The trainer's settings (ranker, its own cross-fitting folds); `name`, `data_sha256`,
  // `tables` and `progress` are set per fold.
  ai::TrainOptions train;
  // How documents are read and the models run: cache, jobs, ocr, text, progress (model and
  // models_dir are set per fold).
  ModelRunOptions run;
  // Where the fold models are written (DIR/fold-1 ... DIR/fold-K, kept); "" (default): a
  // temporary folder removed afterwards.
  std::string models_dir;
  quality::EvaluationOptions scoring;                // the per-fold summaries' scoring
  std::function<void(const std::string&)> progress;  // optional: a line per fold and step
};

struct FoldSummary {
  int fold = 0;                        // 1..K
  std::vector<std::string> test_ids;   // the held-out documents, in the dataset's order
  std::vector<std::string> train_ids;  // the dataset's documents the model was trained on
  int extra_documents = 0;             // --extra-data documents it was trained on too
  std::string training_data_sha256;    // as the fold model's model.json records it
  int model_documents = 0;             // model.json's "documents": train_ids + extra
  double mean_field_accuracy = 0;      // on the held-out fold alone
  double pair_accuracy = 0;
  int failed_documents = 0;
};

struct CrossValidation {
  int folds = 0;
  uint64_t seed = 0;
  // One result per dataset document, in the dataset's order, each from the model of its fold.
  std::vector<quality::DocumentResult> results;
  std::vector<FoldSummary> fold_summaries;
  int extra_documents = 0;  // read from --extra-data (each fold trains on those that read)

  // {"folds", "seed", "extra_data", "extra_documents", "per_fold": [{fold, documents,
  // train_documents, extra_documents, mean_field_accuracy, pair_accuracy, failed_documents,
  // training_data_sha256, test_ids, train_ids}]}
  Json ToJson(const CrossValidationOptions& options) const;
  // The per-fold summary for people.
  std::string ToTable() const;
};

// Runs the cross-validation of `dataset`. InvalidArgument for folds < 2 or more folds than
// documents, for --extra-data with --text given (generated samples have no transcripts), and for
// a bad fields list; a fold's training or reading errors otherwise, prefixed with the fold.
absl::StatusOr<CrossValidation> CrossValidate(const quality::Dataset& dataset,
                                              const CrossValidationOptions& options);

}  // namespace flowline::cli
