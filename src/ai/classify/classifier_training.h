// Training a `classify` model from labelled examples: what `flowline train classify` runs.
//
// The data is JSONL, one example a line: {"text": "...", "label": "invoice"} (the field names
// are options). Examples are split per label into a training part and a held-out part
// (stratified, shuffled with `seed`); fastText is trained on the training part with one thread
// and the seed, so the same data and settings give a byte-identical model.bin; the held-out part
// measures accuracy. The result is a model artifact directory (see classifier.h and
// docs/models.md): model.bin and model.json with the model's SHA-256, the training data's
// SHA-256, the settings, labels, counts and held-out accuracy.
//
// The output directory is written beside itself first and renamed into place, so a failed
// training never leaves half a model; an existing model directory at `out_dir` is replaced, any
// other existing non-empty directory is refused. Not thread-safe with other trainings writing
// the same `out_dir`.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"

namespace flowline::ai {

struct ClassifierTrainingOptions {
  std::string data_path;  // the labelled examples (JSONL); required
  std::string out_dir;    // the model artifact directory to write; required
  std::string text_field = "text";
  std::string label_field = "label";
  int epochs = 25;       // passes over the training part, 1..1000
  double lr = 0.5;       // learning rate, (0, 5]
  int ngrams = 2;        // word n-grams, 1..5
  int dim = 32;          // vector size, 2..512
  int bucket = 100000;   // hash buckets for word n-grams (unused with ngrams 1), 1000..10000000
  int seed = 1;          // shuffling, the held-out split and fastText's initialisation
  double holdout = 0.2;  // share of each label held out to measure accuracy, [0, 0.9]
  absl::Time now = absl::UnixEpoch();  // model.json's created_at
};

// Trains and writes the artifact; returns model.json's content. InvalidArgument for bad options
// or data ("cases.jsonl:12: ..." with the line, and how to fix it: fewer than two labels, a
// missing text or label, a label with spaces); Internal if fastText fails; the filesystem's
// error when the output cannot be written.
absl::StatusOr<Json> TrainClassifier(const ClassifierTrainingOptions& options);

}  // namespace flowline::ai
