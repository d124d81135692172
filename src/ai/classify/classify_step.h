// The `classify` step kind (actor ai): a fastText model puts a text in one of its classes
// (document type, claim category, priority…) and says how sure it is.
//
//   uses: classify
//   with:
//     model: doc-types                     # a name under --models, or a path holding a '/'
//     text: ${{ steps.read.output.text }}
//     top: 3                               # alternatives to report (default 3)
//     unusual_below: 0.5                   # flag the input unusual under this top probability
//
// The model (an artifact directory from `flowline train classify`, see classifier.h) is loaded
// once, in Prepare: a missing or corrupt model is a ConfigError on `model` with a hint to train
// one. Output:
//   {"label": "invoice", "confidence": 0.97,
//    "alternatives": [{"label": "receipt", "confidence": 0.02}, ...],   // the next top-1 labels
//    "unusual": false, "known_share": 0.92,
//    "model": {"name": "doc-types", "sha256": "<hex of model.bin>"}}
// `unusual` is true when the top probability is under `unusual_below`, or when fewer than half
// of the text's tokens are words the model saw in training (`known_share`): an input unlike
// anything it learned from. The outcome's confidence is the top probability.
//
// Thread-safety: the prepared step shares one loaded model; Execute is safe from many threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::ai {

// The share of known tokens under which an input is unusual whatever its top probability.
inline constexpr double kMinKnownShare = 0.5;

class ClassifyStep final : public steps::StepKind {
 public:
  // `models_dir`: where a `model:` name without '/' resolves.
  explicit ClassifyStep(std::string models_dir);
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

 private:
  std::string models_dir_;
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai
