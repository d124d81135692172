// Training a `score` model from tabular history: what `flowline train score` runs.
//
// The data is CSV (a header row) or JSONL (one object a line), chosen by the file's extension
// (.csv; .jsonl or .ndjson). One column is the target; its positive value is --positive, or, for
// a two-valued target without it, 1 / true / the second value in sorted order is refused as
// ambiguous unless the values are 0/1 or false/true. The features are the columns named in
// `features`, or every other column. A column is numeric when every value is a number (an empty
// CSV cell or a JSON null is a missing value), categorical otherwise or when named in
// `categorical`.
//
// Rows are split per class into a training part and a held-out part (stratified, shuffled with
// `seed`); XGBoost (binary:logistic, hist, one thread, the seed) is trained on the training part,
// so the same data and settings give a byte-identical model.ubj; the held-out part measures AUC,
// accuracy at the threshold, the expected calibration error (10 equal-width bins of the
// predicted probability) and the log loss. Categories and numeric ranges come from the training
// part. The artifact directory (see score_model.h, docs/models.md) is written beside itself and
// renamed into place, so a failed training never leaves half a model; an existing model
// directory at `out_dir` is replaced, any other non-empty directory is refused.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ai/score/tabular_booster.h"
#include "common/json_util.h"

namespace flowline::ai {

struct ScoreTrainingOptions {
  std::string data_path;                 // CSV or JSONL; required
  std::string out_dir;                   // the model artifact directory to write; required
  std::string target;                    // the column to predict; required
  std::string positive;                  // the target's positive value; "" = inferred (above)
  std::vector<std::string> features;     // empty: every column but the target
  std::vector<std::string> categorical;  // columns to treat as categories even if numeric
  double threshold = 0.5;                // label positive at or above this probability, (0, 1)
  double holdout = 0.2;                  // share of each class held out, [0, 0.9]
  BoosterSettings booster;               // rounds 1..5000, max_depth 1..16, eta (0, 1]
  absl::Time now = absl::UnixEpoch();    // model.json's created_at
};

// Trains and writes the artifact; returns model.json's content. InvalidArgument for bad options
// or data, naming the file, the line and how to fix it (an unknown column, a target with one or
// more than two values and no --positive, a value of the wrong type in a numeric column named by
// --features); Internal if XGBoost fails; the filesystem's error when the output cannot be
// written.
absl::StatusOr<Json> TrainScoreModel(const ScoreTrainingOptions& options);

// Held-out measures of probabilities `p` against 0/1 `y` at `threshold`: {"auc" (null without
// both classes), "accuracy", "ece", "log_loss", "calibration": [{"bin", "count", "mean_score",
// "positive_rate"}]}.
Json MeasureScores(const std::vector<double>& p, const std::vector<int>& y, double threshold);

}  // namespace flowline::ai
