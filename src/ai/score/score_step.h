// The `score` step kind (actor ai): an XGBoost model trained on the business's history gives the
// probability of an outcome (fraud, churn, default...) for a case's tabular features, and says
// which features drove it.
//
//   uses: score
//   with:
//     model: onboarding-risk              # a name under --models, or a path holding a '/'
//     features:                           # feature name -> value (evaluated per run)
//       age: ${{ steps.profile.output.age }}
//       country: ${{ input.country }}
//     threshold: 0.3                      # label positive at or above this (default: the model's)
//     top_factors: 3                      # explanations to report (default 3)
//
// The model (an artifact directory from `flowline train score`, see score_model.h) is loaded once,
// in Prepare: a missing or corrupt model is a ConfigError on `model` with a hint to train one;
// literal feature names the model does not know are ConfigErrors on `features.<name>`. Output:
//   {"score": 0.82, "label": "bad", "threshold": 0.5, "confidence": 0.82,
//    "top_factors": [{"feature": "sanctions_similarity", "value": 0.93, "contribution": 2.1}],
//    "unusual": false, "unusual_features": [], "missing_features": [],
//    "model": {"name": "onboarding-risk", "sha256": "<hex of model.ubj>"}}
// `score` is the probability of the model's positive class; `label` is the positive label when
// score >= threshold, else the negative one; `confidence` is the probability of that label.
// A factor's contribution is its SHAP value in log-odds (positive: towards the positive class).
// `unusual` is true when a number lies outside the training range or a category was never seen
// in training (the input is unlike the history the model learned from). A feature given no value
// (null or absent) is a missing value, which the model handles; a value of the wrong type (a
// string for a number, a mapping...) fails the step (permanent) naming the feature.
//
// Thread-safety: the prepared step shares one loaded model; Execute is safe from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::ai {

class ScoreStep final : public steps::StepKind {
 public:
  // `models_dir`: where a `model:` name without '/' resolves.
  explicit ScoreStep(std::string models_dir);
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

 private:
  std::string models_dir_;
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai
