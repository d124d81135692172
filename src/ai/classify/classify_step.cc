#include "ai/classify/classify_step.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/classify/classifier.h"
#include "ai/model_param.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

using steps::ParamReader;
using steps::StepOutcome;

constexpr int kMaxTop = 50;

struct Settings {
  int top = 3;
  double unusual_below = 0.5;
};

// Reads `top` and `unusual_below` where they are known (literal at Prepare, always at Execute).
Settings ReadSettings(ParamReader& r) {
  Settings s;
  if (const Json* top = r.Get("top")) {
    const double value = top->get<double>();
    if (value < 1 || value > kMaxTop) {
      r.Error("top", absl::StrCat("`top` must be between 1 and ", kMaxTop, ", got ", value));
    } else {
      s.top = static_cast<int>(value);
    }
  }
  if (const Json* below = r.Get("unusual_below")) {
    const double value = below->get<double>();
    if (value < 0 || value > 1) {
      r.Error("unusual_below",
              absl::StrCat("`unusual_below` is a probability between 0 and 1, got ", value));
    } else {
      s.unusual_below = value;
    }
  }
  return s;
}

class PreparedClassify final : public steps::PreparedStep {
 public:
  PreparedClassify(const steps::StepKindInfo& info, std::string model_name,
                   std::unique_ptr<Classifier> classifier)
      : info_(info), model_name_(std::move(model_name)), classifier_(std::move(classifier)) {}

  StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const Settings settings = ReadSettings(r);
    const std::optional<std::string> text = r.String("text");
    if (!r.ok()) return StepOutcome::Failed(r.Summary());

    absl::StatusOr<Classification> result = classifier_->Classify(*text, settings.top);
    if (!result.ok()) return StepOutcome::Failed(std::string(result.status().message()));
    if (result->top.empty()) return StepOutcome::Failed("the model returned no label");
    const LabelProbability& best = result->top.front();
    Json alternatives = Json::array();
    for (size_t i = 1; i < result->top.size(); ++i) {
      alternatives.push_back(
          {{"label", result->top[i].label}, {"confidence", result->top[i].probability}});
    }
    const bool unusual =
        best.probability < settings.unusual_below || result->known_share < kMinKnownShare;
    Json output = {{"label", best.label},
                   {"confidence", best.probability},
                   {"alternatives", std::move(alternatives)},
                   {"unusual", unusual},
                   {"known_share", result->known_share},
                   {"model", {{"name", model_name_}, {"sha256", classifier_->sha256()}}}};
    StepOutcome outcome = StepOutcome::Completed(std::move(output), best.probability);
    outcome.model = steps::ModelRef{model_name_, classifier_->sha256()};
    return outcome;
  }

  // The label mix: a new document type, or one type crowding out the others.
  std::vector<steps::MonitoredOutput> MonitoredOutputs() const override {
    return {{"label", {"label"}, steps::MonitoredOutput::Kind::kCategorical}};
  }

 private:
  const steps::StepKindInfo info_;
  const std::string model_name_;
  const std::unique_ptr<Classifier> classifier_;
};

}  // namespace

ClassifyStep::ClassifyStep(std::string models_dir) : models_dir_(std::move(models_dir)) {
  info_.name = "classify";
  info_.description =
      "Puts a text in one of a trained model's classes (fastText), with confidence, "
      "alternatives and an unusual-input flag.";
  info_.actors = {steps::Actor::kAi};
  info_.params = {
      {"model", steps::ParamType::kString, true, true,
       "the model: a name under the models directory, or a path containing '/'"},
      {"text", steps::ParamType::kString, true, false,
       "the text to classify, e.g. ${{ steps.read.output.text }}"},
      {"top", steps::ParamType::kInteger, false, false, "how many labels to report (default 3)"},
      {"unusual_below", steps::ParamType::kNumber, false, false,
       "flag the input unusual when the top probability is below this (default 0.5)"},
  };
}

std::unique_ptr<steps::PreparedStep> ClassifyStep::Prepare(
    std::string_view /*step_id*/, const Json& with, std::vector<steps::ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadSettings(r);
  std::string model;
  std::unique_ptr<Classifier> classifier = LoadModelParam<Classifier>(
      r, models_dir_, {"classify", "doc-types", "flowline train classify --data cases.jsonl", ""},
      &model);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedClassify>(info_, model, std::move(classifier));
}

}  // namespace flowline::ai
