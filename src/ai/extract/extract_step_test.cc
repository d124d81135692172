#include "ai/extract/extract_step.h"

#include <gtest/gtest.h>

#include "ai/extract/synthetic_invoices.h"
#include "ai/extract/trainer.h"
#include "common/temp_dir.h"
#include "steps/step_test_util.h"

namespace flowline::ai {
namespace {

using steps::testing::ConfigErrorOn;
using steps::testing::PrepareStep;
using ::testing::ElementsAre;

TEST(ExtractStepTest, MissingModelIsAConfigErrorWithAHint) {
  common::TempDir dir;
  ExtractStep kind(dir.path());
  steps::testing::Prepared prepared = PrepareStep(
      kind, Json{{"model", "invoice-fields"}, {"document", "${{ steps.read.output }}"}});
  EXPECT_EQ(prepared.step, nullptr);
  ASSERT_THAT(prepared.errors, ElementsAre(ConfigErrorOn("model", "cannot load extract model")));
  EXPECT_NE(prepared.errors[0].hint.find("flowline train extract"), std::string::npos);
  EXPECT_NE(prepared.errors[0].hint.find(dir.File("invoice-fields")), std::string::npos);

  prepared = PrepareStep(kind, Json{{"document", "${{ steps.read.output }}"}});
  EXPECT_EQ(prepared.step, nullptr);
  EXPECT_FALSE(prepared.errors.empty());
}

class ExtractStepRunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new common::TempDir();
    TrainOptions options;
    options.ranker.rounds = 40;
    options.folds = 3;
    absl::StatusOr<Json> model =
        TrainExtractionModel(testing::InvoiceBuilder(21).Make(40), testing::InvoiceFields(),
                             options, dir_->File("invoice-fields"));
    ASSERT_TRUE(model.ok()) << model.status();
    sha256_ = new std::string((*model)["sha256"].get<std::string>());
  }
  static void TearDownTestSuite() {
    delete sha256_;
    delete dir_;
  }
  static common::TempDir* dir_;
  static std::string* sha256_;
};
common::TempDir* ExtractStepRunTest::dir_ = nullptr;
std::string* ExtractStepRunTest::sha256_ = nullptr;

TEST_F(ExtractStepRunTest, ExtractsFieldsWithEvidence) {
  ExtractStep kind(dir_->path());
  std::unique_ptr<steps::PreparedStep> step =
      steps::testing::MustPrepare(kind, Json{{"model", "invoice-fields"},
                                             {"document", "${{ steps.read.output }}"},
                                             {"date_order", "dmy"}});
  ASSERT_NE(step, nullptr);
  LabelledDocument doc = testing::InvoiceBuilder(77).Make(1)[0];
  doc.document.pages[0].number = 1;
  const Json params = {{"model", "invoice-fields"},
                       {"document", doc.document.ToJson()},
                       {"date_order", DateOrderName(doc.date_order)}};
  steps::StepContext ctx;
  ctx.params = &params;
  steps::StepOutcome outcome = step->Execute(ctx);
  ASSERT_EQ(outcome.kind, steps::StepOutcome::Kind::kCompleted) << outcome.error;
  const Json& out = outcome.output;
  EXPECT_EQ(out["model"]["name"], "invoice-fields");
  EXPECT_EQ(out["model"]["sha256"], *sha256_);
  const Json& total = out["fields"]["total_amount"];
  EXPECT_EQ(total["normalized"], doc.labels.at("total_amount")) << out.dump(2);
  EXPECT_EQ(out["values"]["total_amount"], total["normalized"]);
  EXPECT_EQ(total["evidence"]["page"], 1);
  ASSERT_EQ(total["evidence"]["box"].size(), 4u);
  EXPECT_NE(total["evidence"]["text"].get<std::string>().find(total["value"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(out["fields"]["invoice_number"]["normalized"], doc.labels.at("invoice_number"));
  // The outcome's confidence is the lowest field confidence.
  double lowest = 1;
  for (const auto& [name, field] : out["fields"].items()) {
    const double c = field["confidence"].get<double>();
    EXPECT_GE(c, 0.0);
    EXPECT_LE(c, 1.0);
    lowest = std::min(lowest, c);
  }
  ASSERT_TRUE(outcome.confidence.has_value());
  EXPECT_DOUBLE_EQ(*outcome.confidence, lowest);
}

TEST_F(ExtractStepRunTest, BadDocumentOrDateOrderFailsTheAttempt) {
  ExtractStep kind(dir_->path());
  std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(
      kind, Json{{"model", dir_->File("invoice-fields")}, {"document", "${{ x }}"}});
  const Json params = {{"model", "m"}, {"document", Json{{"pages", "nope"}}}};
  steps::StepContext ctx;
  ctx.params = &params;
  steps::StepOutcome outcome = step->Execute(ctx);
  EXPECT_EQ(outcome.kind, steps::StepOutcome::Kind::kFailed);
  EXPECT_NE(outcome.error.find("not a read document"), std::string::npos) << outcome.error;

  steps::testing::Prepared prepared = PrepareStep(
      kind, Json{{"model", "invoice-fields"}, {"document", "${{ x }}"}, {"date_order", "dym"}});
  EXPECT_THAT(prepared.errors, ElementsAre(ConfigErrorOn("date_order", "unknown date order")));
}

}  // namespace
}  // namespace flowline::ai
