#include "ai/classify/classify_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "ai/classify/classifier_training.h"
#include "ai/classify/classify_test_corpus.h"
#include "common/temp_dir.h"
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

class ClassifyStepTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new common::TempDir();
    std::ofstream(dir_->File("cases.jsonl"))
        << testing::CorpusGenerator::ToJsonl(testing::CorpusGenerator(11).Generate(40));
    ClassifierTrainingOptions options;
    options.data_path = dir_->File("cases.jsonl");
    options.out_dir = dir_->File("models/doc-types");
    absl::StatusOr<Json> manifest = TrainClassifier(options);
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    sha256_ = new std::string((*manifest)["sha256"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete sha256_;
    delete dir_;
  }

  static StepOutcome Classify(const Json& with, const Json& params) {
    ClassifyStep kind(dir_->File("models"));
    std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.params = &params;
    return step->Execute(ctx);
  }

  static common::TempDir* dir_;
  static std::string* sha256_;
};
common::TempDir* ClassifyStepTest::dir_ = nullptr;
std::string* ClassifyStepTest::sha256_ = nullptr;

TEST_F(ClassifyStepTest, LabelsATextWithConfidenceAndAlternatives) {
  const std::string text = testing::CorpusGenerator(3).Document("purchase_order");
  const Json with = {{"model", "doc-types"}, {"text", "${{ steps.read.output.text }}"}};
  const StepOutcome outcome = Classify(with, {{"model", "doc-types"}, {"text", text}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const Json& out = outcome.output;
  EXPECT_EQ(out["label"], "purchase_order") << out.dump(2);
  ASSERT_TRUE(outcome.confidence.has_value());
  EXPECT_EQ(*outcome.confidence, out["confidence"].get<double>());
  EXPECT_GT(*outcome.confidence, 0.5);
  EXPECT_EQ(out["alternatives"].size(), 2u);  // top 3 by default: the best and two more
  EXPECT_NE(out["alternatives"][0]["label"], "purchase_order");
  EXPECT_LE(out["alternatives"][0]["confidence"].get<double>(), *outcome.confidence);
  EXPECT_EQ(out["unusual"], false);
  EXPECT_EQ(out["model"], Json({{"name", "doc-types"}, {"sha256", *sha256_}}));
}

TEST_F(ClassifyStepTest, FlagsGibberishAsUnusual) {
  const StepOutcome outcome =
      Classify({{"model", "doc-types"}, {"text", "${{ input.text }}"}, {"top", 1}},
               {{"model", "doc-types"}, {"text", "qwxz vlorp zzkq bnarf glimt"}, {"top", 1}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["unusual"], true);
  EXPECT_EQ(outcome.output["known_share"], 0.0);
  EXPECT_EQ(outcome.output["alternatives"], Json::array());
}

TEST_F(ClassifyStepTest, UnusualBelowIsTheTopProbabilityThreshold) {
  const std::string text = testing::CorpusGenerator(4).Document("letter");
  const Json with = {{"model", "doc-types"}, {"text", text}, {"unusual_below", 1.0}};
  StepOutcome outcome = Classify(with, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["unusual"], true);  // nothing is more than certain
  Json relaxed = with;
  relaxed["unusual_below"] = 0.0;
  outcome = Classify(relaxed, relaxed);
  EXPECT_EQ(outcome.output["unusual"], false);
}

TEST_F(ClassifyStepTest, AModelPathWithASlashIsUsedAsIs) {
  const Json with = {{"model", dir_->File("models/doc-types")},
                     {"text", "Dear Anna, kind regards"}};
  const StepOutcome outcome = Classify(with, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["model"]["sha256"], *sha256_);
}

TEST_F(ClassifyStepTest, MissingOrCorruptModelIsAConfigErrorWithAHint) {
  ClassifyStep kind(dir_->File("models"));
  steps::testing::Prepared p = PrepareStep(kind, {{"model", "no-such-model"}, {"text", "x"}});
  EXPECT_EQ(p.step, nullptr);
  ASSERT_THAT(p.errors, Contains(ConfigErrorOn("model", "cannot load classify model")));
  EXPECT_THAT(p.errors[0].hint, HasSubstr("flowline train classify"));
  EXPECT_THAT(p.errors[0].hint, HasSubstr(dir_->File("models/no-such-model")));

  std::filesystem::copy(dir_->File("models/doc-types"), dir_->File("models/broken"),
                        std::filesystem::copy_options::recursive);
  std::ofstream(dir_->File("models/broken/model.bin"), std::ios::app) << "tampered";
  p = PrepareStep(kind, {{"model", "broken"}, {"text", "x"}});
  EXPECT_THAT(p.errors, Contains(ConfigErrorOn("model", "corrupt")));
}

TEST_F(ClassifyStepTest, ReportsBadParameters) {
  ClassifyStep kind(dir_->File("models"));
  EXPECT_THAT(PrepareStep(kind, {{"model", "${{ input.model }}"}, {"text", "x"}}).errors,
              Contains(ConfigErrorOn("model", "used as written")));
  EXPECT_THAT(PrepareStep(kind, {{"model", "doc-types"}}).errors,
              Contains(ConfigErrorOn("text", "missing required parameter")));
  EXPECT_THAT(PrepareStep(kind, {{"model", "doc-types"}, {"text", "x"}, {"top", 0}}).errors,
              Contains(ConfigErrorOn("top", "between 1 and")));
  EXPECT_THAT(
      PrepareStep(kind, {{"model", "doc-types"}, {"text", "x"}, {"unusual_below", 2}}).errors,
      Contains(ConfigErrorOn("unusual_below", "between 0 and 1")));
  // A text that evaluates to something else fails the attempt, naming the parameter.
  const StepOutcome outcome = Classify({{"model", "doc-types"}, {"text", "${{ input.text }}"}},
                                       {{"model", "doc-types"}, {"text", 42}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("text"));
}

}  // namespace
}  // namespace flowline::ai
