#include "ai/score/score_step.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/model_param.h"
#include "ai/score/score_model.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

using steps::ParamReader;
using steps::StepOutcome;

struct Settings {
  std::optional<double> threshold;  // unset: the model's
  int top_factors = 3;
};

// Reads `threshold` and `top_factors` where they are known (literal at Prepare, always at
// Execute).
Settings ReadSettings(ParamReader& r) {
  Settings s;
  if (const Json* threshold = r.Get("threshold")) {
    const double value = threshold->get<double>();
    if (!(value > 0 && value < 1)) {
      r.Error("threshold",
              absl::StrCat("`threshold` is a probability between 0 and 1, got ", value));
    } else {
      s.threshold = value;
    }
  }
  if (const Json* top = r.Get("top_factors")) {
    const double value = top->get<double>();
    if (value < 0 || value > 100) {
      r.Error("top_factors", absl::StrCat("`top_factors` must be between 0 and 100, got ", value));
    } else {
      s.top_factors = static_cast<int>(value);
    }
  }
  return s;
}

std::vector<std::string> FeatureNames(const ScoreModel& model) {
  std::vector<std::string> names;
  for (const ScoreFeature& f : model.features()) names.push_back(f.name);
  return names;
}

// The literal parts of `features` checked against the model: names it knows, values of the
// right type.
void CheckLiteralFeatures(ParamReader& r, const ScoreModel& model) {
  const Json* features = r.Get("features");
  if (features == nullptr) return;  // absent (reported), or one placeholder for the whole map
  for (const auto& item : features->items()) {
    const std::string& name = item.key();
    const Json& value = item.value();
    const auto& all = model.features();
    const auto it =
        std::find_if(all.begin(), all.end(), [&](const ScoreFeature& f) { return f.name == name; });
    if (it == all.end()) {
      r.Error(absl::StrCat("features.", name),
              absl::StrCat("\"", name, "\" is not a feature of the model"),
              absl::StrCat("its features: ", absl::StrJoin(FeatureNames(model), ", ")));
    } else if (!r.Deferred(value)) {
      if (absl::StatusOr<EncodedValue> encoded = EncodeFeature(*it, value); !encoded.ok()) {
        r.Error(absl::StrCat("features.", name), std::string(encoded.status().message()));
      }
    }
  }
}

class PreparedScore final : public steps::PreparedStep {
 public:
  PreparedScore(const steps::StepKindInfo& info, std::string model_name,
                std::unique_ptr<ScoreModel> model)
      : info_(info), model_name_(std::move(model_name)), model_(std::move(model)) {}

  StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json empty = Json::object();
    const Json& params = ctx.params != nullptr ? *ctx.params : empty;
    ParamReader r(info_, params, ParamReader::Stage::kExecute);
    const Settings settings = ReadSettings(r);
    const Json* features = r.Get("features");
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    if (features == nullptr) return StepOutcome::Failed("`features` is required");

    absl::StatusOr<ScoreResult> result = model_->Score(*features);
    if (!result.ok()) {
      return StepOutcome::Failed(
          absl::StrCat("model ", model_name_, ": ", result.status().message()));
    }
    const double threshold = settings.threshold.value_or(model_->threshold());
    const bool positive = result->score >= threshold;
    const double confidence = positive ? result->score : 1 - result->score;

    std::vector<size_t> order(model_->features().size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return std::fabs(result->contributions[a]) > std::fabs(result->contributions[b]);
    });
    Json factors = Json::array();
    for (size_t i : order) {
      if (static_cast<int>(factors.size()) >= settings.top_factors) break;
      if (result->contributions[i] == 0) break;  // the rest did not move the score
      const std::string& name = model_->features()[i].name;
      factors.push_back({{"feature", name},
                         {"value", features->value(name, Json())},
                         {"contribution", std::round(result->contributions[i] * 1e4) / 1e4}});
    }
    Json output = {{"score", result->score},
                   {"label", positive ? model_->positive_label() : model_->negative_label()},
                   {"threshold", threshold},
                   {"confidence", confidence},
                   {"top_factors", std::move(factors)},
                   {"unusual", !result->unusual.empty()},
                   {"unusual_features", result->unusual},
                   {"missing_features", result->missing},
                   {"model", {{"name", model_name_}, {"sha256", model_->sha256()}}}};
    StepOutcome outcome = StepOutcome::Completed(std::move(output), confidence);
    outcome.model = steps::ModelRef{model_name_, model_->sha256()};
    return outcome;
  }

  // The score's distribution and the label mix: a shift in who signs up, or in the model.
  std::vector<steps::MonitoredOutput> MonitoredOutputs() const override {
    return {{"score", {"score"}, steps::MonitoredOutput::Kind::kNumeric},
            {"label", {"label"}, steps::MonitoredOutput::Kind::kCategorical}};
  }

 private:
  const steps::StepKindInfo info_;
  const std::string model_name_;
  const std::unique_ptr<ScoreModel> model_;
};

}  // namespace

ScoreStep::ScoreStep(std::string models_dir) : models_dir_(std::move(models_dir)) {
  info_.name = "score";
  info_.description =
      "Scores a case's tabular features with a trained XGBoost model: the probability of an "
      "outcome (risk, fraud, churn), a label at a threshold, the top factors (SHAP) and an "
      "unusual-input flag.";
  info_.actors = {steps::Actor::kAi};
  info_.params = {
      {"model", steps::ParamType::kString, true, true,
       "the model: a name under the models directory, or a path containing '/'"},
      {"features", steps::ParamType::kObject, true, false,
       "feature name -> value, e.g. { age: ${{ input.age }}, country: ${{ input.country }} }"},
      {"threshold", steps::ParamType::kNumber, false, false,
       "label the case positive at or above this probability (default: the model's threshold)"},
      {"top_factors", steps::ParamType::kInteger, false, false,
       "how many of the features that moved the score most to report (default 3)"},
  };
}

std::unique_ptr<steps::PreparedStep> ScoreStep::Prepare(
    std::string_view /*step_id*/, const Json& with, std::vector<steps::ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadSettings(r);
  std::string name;
  std::unique_ptr<ScoreModel> model = LoadModelParam<ScoreModel>(
      r, models_dir_,
      {"score", "onboarding-risk", "flowline train score --data history.csv --target COLUMN", ""},
      &name);
  if (model != nullptr) CheckLiteralFeatures(r, *model);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedScore>(info_, name, std::move(model));
}

}  // namespace flowline::ai
