// A trained `classify` model: a model artifact directory loaded into memory.
//
// An artifact directory (written by TrainClassifier, see classifier_training.h and
// docs/models.md) holds model.bin (fastText) and model.json (kind "classify", the SHA-256 of
// model.bin, settings, labels, held-out accuracy). Load() checks model.json, verifies model.bin
// against its recorded SHA-256 before fastText reads it (fastText trusts its input: a truncated
// or altered file must never reach it), and loads it once.
//
// Thread-safety: after Load(), Classify() is const and safe from any number of threads at once.
// fastText 0.9.2's FastText::predict and Dictionary::getLine are const and keep their scratch
// state (Model::State, the hidden and output vectors) in locals of each call; the classifier
// calls nothing that mutates the model.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace fasttext {
class FastText;
}

namespace flowline::ai {

struct LabelProbability {
  std::string label;
  double probability = 0;
};

struct Classification {
  // The most probable labels, most probable first (at most the `top` asked for).
  std::vector<LabelProbability> top;
  // The share of the text's normalised tokens the model's vocabulary knows (0 for no tokens).
  double known_share = 0;
};

class Classifier {
 public:
  // Loads the artifact directory `dir`. NotFound if it or its files are missing;
  // FailedPrecondition if model.json is not a classify model of a known normalisation, or
  // model.bin does not match its SHA-256 or fastText cannot read it. Messages name the path.
  static absl::StatusOr<std::unique_ptr<Classifier>> Load(const std::string& dir);
  ~Classifier();

  // The `top` (>= 1) most probable labels for `text`. Internal if fastText fails.
  absl::StatusOr<Classification> Classify(std::string_view text, int top) const;

  const std::string& sha256() const { return sha256_; }  // of model.bin
  const Json& manifest() const { return manifest_; }     // model.json
  const std::vector<std::string>& labels() const { return labels_; }

 private:
  Classifier();

  std::unique_ptr<fasttext::FastText> model_;
  std::string sha256_;
  Json manifest_;
  std::vector<std::string> labels_;
};

// Classify() on a fastText model in memory (the trainer scores its held-out split with it).
absl::StatusOr<Classification> ClassifyWith(const fasttext::FastText& model, std::string_view text,
                                            int top);

}  // namespace flowline::ai
