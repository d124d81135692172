#include "ai/score/score_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ai/score/score_training.h"
#include "common/temp_dir.h"
#include "samples/risk_history.h"
#include "steps/step_test_util.h"

namespace flowline::ai {
namespace {

using steps::StepContext;
using steps::StepOutcome;
using steps::testing::ConfigErrorOn;
using steps::testing::MustPrepare;
using steps::testing::PrepareStep;
using ::testing::Contains;
using ::testing::HasSubstr;

// A low-risk and a high-risk sign-up of the onboarding history's kind.
Json LowRisk() {
  return {{"age", 41},
          {"country", "DE"},
          {"document_type", "passport"},
          {"document_days_to_expiry", 2000},
          {"email_domain", "corporate"},
          {"sanctions_similarity", 0.1},
          {"existing_customer", 0},
          {"expected_monthly_volume", 1500},
          {"id_confidence", 0.95}};
}
Json HighRisk() {
  Json features = LowRisk();
  features["sanctions_similarity"] = 0.97;
  features["email_domain"] = "disposable";
  features["existing_customer"] = true;
  features["id_confidence"] = 0.4;
  return features;
}

class ScoreStepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new common::TempDir();
    samples::RiskHistoryOptions history;
    history.count = 1500;
    std::ofstream(dir_->File("history.csv")) << samples::RiskHistoryCsv(history);
    ScoreTrainingOptions options;
    options.data_path = dir_->File("history.csv");
    options.out_dir = dir_->File("models/onboarding-risk");
    options.target = "outcome";
    options.positive = "bad";
    options.features = samples::RiskHistoryFeatures();
    absl::StatusOr<Json> manifest = TrainScoreModel(options);
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    sha256_ = new std::string((*manifest)["sha256"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete sha256_;
    delete dir_;
  }

  // Prepares with `features` deferred (one placeholder per feature) and executes with `values`.
  static StepOutcome Score(const Json& values, Json extra = Json::object()) {
    ScoreStep kind(dir_->File("models"));
    Json with = {{"model", "onboarding-risk"}, {"features", Json::object()}};
    for (const auto& [name, value] : values.items()) {
      with["features"][name] = "${{ input." + name + " }}";
    }
    with.update(extra);
    std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    Json params = {{"model", "onboarding-risk"}, {"features", values}};
    params.update(extra);
    StepContext ctx;
    ctx.params = &params;
    return step->Execute(ctx);
  }

  static common::TempDir* dir_;
  static std::string* sha256_;
};
common::TempDir* ScoreStepTest::dir_ = nullptr;
std::string* ScoreStepTest::sha256_ = nullptr;

TEST_F(ScoreStepTest, ScoresLabelsAndExplainsACase) {
  const StepOutcome low = Score(LowRisk());
  ASSERT_EQ(low.kind, StepOutcome::Kind::kCompleted) << low.error;
  const StepOutcome high = Score(HighRisk());
  ASSERT_EQ(high.kind, StepOutcome::Kind::kCompleted) << high.error;

  EXPECT_LT(low.output["score"].get<double>(), 0.15) << low.output.dump(2);
  EXPECT_EQ(low.output["label"], "good");
  EXPECT_GT(high.output["score"].get<double>(), 0.7) << high.output.dump(2);
  EXPECT_EQ(high.output["label"], "bad");
  EXPECT_EQ(high.output["threshold"], 0.5);
  // The confidence is the probability of the label given.
  EXPECT_DOUBLE_EQ(low.output["confidence"].get<double>(), 1 - low.output["score"].get<double>());
  EXPECT_DOUBLE_EQ(*high.confidence, high.output["score"].get<double>());
  EXPECT_EQ(high.output["unusual"], false);
  EXPECT_EQ(high.output["model"], Json({{"name", "onboarding-risk"}, {"sha256", *sha256_}}));
  ASSERT_TRUE(high.model.has_value());
  EXPECT_EQ(high.model->sha256, *sha256_);

  // The top factors: the three largest contributions, the sanctions hit foremost among them.
  const Json& factors = high.output["top_factors"];
  ASSERT_EQ(factors.size(), 3u) << factors.dump(2);
  std::vector<std::string> names;
  for (const Json& f : factors) names.push_back(f["feature"].get<std::string>());
  EXPECT_THAT(names, Contains("sanctions_similarity"));
  EXPECT_GT(factors[0]["contribution"].get<double>(), 0);
  EXPECT_GE(std::fabs(factors[0]["contribution"].get<double>()),
            std::fabs(factors[1]["contribution"].get<double>()));
  for (const Json& f : factors) {
    EXPECT_EQ(f["value"], HighRisk()[f["feature"].get<std::string>()]);
  }
}

TEST_F(ScoreStepTest, ThresholdDecidesTheLabel) {
  const StepOutcome low = Score(LowRisk(), {{"threshold", 0.01}, {"top_factors", 1}});
  ASSERT_EQ(low.kind, StepOutcome::Kind::kCompleted) << low.error;
  EXPECT_EQ(low.output["label"], "bad");
  EXPECT_EQ(low.output["threshold"], 0.01);
  EXPECT_EQ(low.output["top_factors"].size(), 1u);
}

TEST_F(ScoreStepTest, UnseenCategoryAndOutOfRangeNumberAreUnusual) {
  Json features = LowRisk();
  features["country"] = "ZZ";
  StepOutcome outcome = Score(features);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["unusual"], true);
  EXPECT_EQ(outcome.output["unusual_features"], Json({"country"}));

  features = LowRisk();
  features["age"] = 140;
  outcome = Score(features);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["unusual_features"], Json({"age"}));
}

// The history has every value, so a missing one is scored (the trees' default direction) but
// flagged unusual: the model never learned what a missing value means.
TEST_F(ScoreStepTest, MissingFeaturesAreMissingValues) {
  Json features = LowRisk();
  features.erase("age");
  features["country"] = nullptr;
  const StepOutcome outcome = Score(features);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["missing_features"], Json({"age", "country"}));
  EXPECT_EQ(outcome.output["unusual"], true);
  EXPECT_EQ(outcome.output["unusual_features"], Json({"age", "country"}));
  EXPECT_TRUE(outcome.output["score"].is_number());
}

TEST_F(ScoreStepTest, WrongTypesFailTheStepNamingTheFeature) {
  Json features = LowRisk();
  features["age"] = "forty";
  StepOutcome outcome = Score(features);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("feature \"age\" is numeric, got \"forty\""));

  features = LowRisk();
  features["country"] = Json::array({"DE"});
  outcome = Score(features);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("feature \"country\" is categorical"));

  // A name the model does not know, arriving at run time in a whole-map placeholder.
  ScoreStep kind(dir_->File("models"));
  std::unique_ptr<steps::PreparedStep> step =
      MustPrepare(kind, {{"model", "onboarding-risk"}, {"features", "${{ steps.f.output }}"}});
  ASSERT_NE(step, nullptr);
  const Json params = {{"model", "onboarding-risk"}, {"features", {{"income", 3}}}};
  StepContext ctx;
  ctx.params = &params;
  outcome = step->Execute(ctx);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("\"income\" is not a feature of the model (its features: "
                                       "age, country"));
}

TEST_F(ScoreStepTest, BadConfigurationIsReportedAtPrepare) {
  ScoreStep kind(dir_->File("models"));
  auto prepared = PrepareStep(kind, {{"model", "no-such-model"}, {"features", Json::object()}});
  EXPECT_EQ(prepared.step, nullptr);
  EXPECT_THAT(prepared.errors, Contains(ConfigErrorOn("model", "cannot load score model")));
  EXPECT_THAT(prepared.errors[0].hint, HasSubstr("flowline train score"));

  prepared = PrepareStep(kind, {{"model", "onboarding-risk"},
                                {"features", {{"age", "${{ input.age }}"}, {"income", 1}}}});
  EXPECT_THAT(prepared.errors,
              Contains(ConfigErrorOn("features.income", "is not a feature of the model")));

  prepared = PrepareStep(kind, {{"model", "onboarding-risk"}, {"features", {{"age", "old"}}}});
  EXPECT_THAT(prepared.errors, Contains(ConfigErrorOn("features.age", "is numeric")));

  prepared = PrepareStep(
      kind, {{"model", "onboarding-risk"}, {"features", Json::object()}, {"threshold", 1.5}});
  EXPECT_THAT(prepared.errors, Contains(ConfigErrorOn("threshold", "between 0 and 1")));

  prepared = PrepareStep(kind, {{"model", "onboarding-risk"}});
  EXPECT_FALSE(prepared.errors.empty());
}

TEST_F(ScoreStepTest, CorruptOrForeignModelIsRefused) {
  namespace fs = std::filesystem;
  fs::copy(dir_->File("models/onboarding-risk"), dir_->File("models/corrupt"));
  std::ofstream(dir_->File("models/corrupt/model.ubj"), std::ios::app) << "x";
  ScoreStep kind(dir_->File("models"));
  auto prepared = PrepareStep(kind, {{"model", "corrupt"}, {"features", Json::object()}});
  EXPECT_THAT(prepared.errors, Contains(ConfigErrorOn("model", "does not match the SHA-256")));

  fs::create_directories(dir_->File("models/other"));
  std::ofstream(dir_->File("models/other/model.json")) << R"({"kind": "classify"})";
  prepared = PrepareStep(kind, {{"model", "other"}, {"features", Json::object()}});
  EXPECT_THAT(prepared.errors, Contains(ConfigErrorOn("model", "is not a score model")));
}

}  // namespace
}  // namespace flowline::ai
