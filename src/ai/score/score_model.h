// A trained `score` model: a model artifact directory (`flowline train score`) loaded into
// memory, and the one place a feature value becomes a model input.
//
// The directory holds model.ubj (XGBoost, UBJSON) and model.json: kind "score", the SHA-256 of
// model.ubj, the training data's file and SHA-256, the target and its positive/negative labels,
// the threshold, the settings, and the features in model order, each
//   {"name": "age", "type": "numeric", "min": 18, "max": 85, "missing_in_training": 0} or
//   {"name": "country", "type": "categorical", "categories": ["AT", "BE", ...], ...}
// (a category's code is its index). Load() verifies model.ubj against its SHA-256 before XGBoost
// reads it. docs/models.md describes the format.
//
// Encoding (EncodeFeature): a numeric feature takes a number (true/false as 1/0); a categorical
// one takes a string (a number or boolean as its text: 12345, true). Null or absent is a missing
// value (XGBoost's NaN); it is flagged unusual when training never saw the feature missing (the
// trees' direction for a missing value was then never learned). An unseen category is encoded
// missing and flagged unusual, as is a number outside the training range (its value is kept:
// trees extrapolate flat).
//
// Thread-safety: after Load(), Score() is const and safe from many threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/score/tabular_booster.h"
#include "common/json_util.h"

namespace flowline::ai {

struct ScoreFeature {
  std::string name;
  bool categorical = false;
  std::vector<std::string> categories;  // categorical: sorted; the code is the index
  bool has_range = false;               // numeric: false when training saw no value
  double min = 0, max = 0;              // numeric: the training range
  int missing_in_training = 0;          // training rows without a value
  Json ToJson() const;
};

struct EncodedValue {
  float value = 0;  // NaN: missing
  bool unusual = false;
};

// The category text of a value: a string as is, an integer or boolean as its JSON text (12345,
// true), another number in shortest form; nullopt for null, an object or an array.
std::optional<std::string> CategoryText(const Json& value);

// `value` as feature `feature`'s model input. InvalidArgument saying what the feature takes and
// what it got (an object, an array, a string for a number...).
absl::StatusOr<EncodedValue> EncodeFeature(const ScoreFeature& feature, const Json& value);

// One scored row.
struct ScoreResult {
  double score = 0;                   // probability of the positive class
  std::vector<double> contributions;  // per feature (model order), in log-odds
  double bias = 0;                    // the log-odds before any feature
  std::vector<std::string> unusual;   // features out of range or of an unseen category
  std::vector<std::string> missing;   // features given no value
};

class ScoreModel {
 public:
  // Loads the artifact directory `dir`. NotFound if it or its files are missing;
  // FailedPrecondition if model.json is not a score model or is malformed, or model.ubj does not
  // match its SHA-256 or is not an XGBoost model. Messages name the path.
  static absl::StatusOr<std::unique_ptr<ScoreModel>> Load(const std::string& dir);
  // The same from the parts in memory (`where` names them in messages).
  static absl::StatusOr<std::unique_ptr<ScoreModel>> FromParts(const Json& manifest,
                                                               std::string_view model_bytes,
                                                               std::string_view where);

  // Scores `values` (an object: feature name -> value). InvalidArgument for a value of the
  // wrong type, or a name that is not one of the model's features (listing them).
  absl::StatusOr<ScoreResult> Score(const Json& values) const;

  const std::vector<ScoreFeature>& features() const { return features_; }
  const std::string& positive_label() const { return positive_label_; }
  const std::string& negative_label() const { return negative_label_; }
  double threshold() const { return threshold_; }
  const std::string& sha256() const { return sha256_; }  // of model.ubj
  const Json& manifest() const { return manifest_; }     // model.json
  const TabularBooster& booster() const { return *booster_; }

 private:
  ScoreModel() = default;

  std::unique_ptr<TabularBooster> booster_;
  std::vector<ScoreFeature> features_;
  std::string positive_label_, negative_label_;
  double threshold_ = 0.5;
  std::string sha256_;
  Json manifest_;
};

// The feature list of model.json (`features` array). FailedPrecondition naming `where`.
absl::StatusOr<std::vector<ScoreFeature>> ParseScoreFeatures(const Json& features,
                                                             std::string_view where);

}  // namespace flowline::ai
