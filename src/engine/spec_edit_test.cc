#include "engine/spec_edit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::engine {
namespace {

using ::testing::HasSubstr;

constexpr char kSpec[] = R"yaml(# The invoice workflow.
workflow: invoice
steps:
  - id: fields
    uses: extract
    with:
      model: invoice-fields   # trained by flowline train extract
      document: ${{ input.file }}

# When a person looks.
exceptions:
  # Thresholds.
  fields:
    total_amount: 0.9
    currency: 0.9

  checks: true
  audit_rate: 0.02
outputs:
  total: ${{ steps.fields.output.values.total_amount }}
)yaml";

const std::vector<ThresholdLine> kLines = {{"total_amount", 0.87, ""},
                                           {"currency", 2, "always reviewed"}};

TEST(SpecEditTest, ReplacesTheThresholdsAndKeepsEverythingElse) {
  absl::StatusOr<std::string> edited = SetFieldThresholds(kSpec, kLines, "flowline tune");
  ASSERT_TRUE(edited.ok()) << edited.status();
  // Only the `fields:` block changed.
  std::string expected = kSpec;
  expected.replace(expected.find("  fields:\n"),
                   std::string("  fields:\n    total_amount: 0.9\n    currency: 0.9\n").size(),
                   "  fields:  # flowline tune\n    total_amount: 0.87\n"
                   "    currency: 2  # always reviewed\n");
  EXPECT_EQ(*edited, expected);
}

TEST(SpecEditTest, InsertsFieldsOrTheWholePolicyWhenMissing) {
  std::string spec = kSpec;
  spec.erase(spec.find("  # Thresholds."), spec.find("  checks:") - spec.find("  # Thresholds."));
  absl::StatusOr<std::string> edited = SetFieldThresholds(spec, kLines);
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_THAT(*edited, HasSubstr("exceptions:\n  fields:\n    total_amount: 0.87\n"
                                 "    currency: 2  # always reviewed\n  checks: true\n"));

  edited = SetFieldThresholds("workflow: w\nsteps: []\n", {{"total", 0.5, ""}});
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_EQ(*edited, "workflow: w\nsteps: []\nexceptions:\n  fields:\n    total: 0.5\n");
}

TEST(SpecEditTest, AFlowStylePolicyIsAClearError) {
  absl::StatusOr<std::string> edited =
      SetFieldThresholds("workflow: w\nexceptions: { checks: true }\n", kLines);
  EXPECT_EQ(edited.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(edited.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(edited.status().message(), HasSubstr("one key per line"));
  EXPECT_EQ(SetFieldThresholds("a: [\n", kLines).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpecEditTest, SetsAStepParameterKeepingItsComment) {
  absl::StatusOr<std::string> edited =
      SetStepParam(kSpec, "fields", "model", "/srv/models/invoice-fields.2");
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_THAT(*edited, HasSubstr("      model: /srv/models/invoice-fields.2   # trained by"));
  // Only that line changed.
  std::string expected = kSpec;
  expected.replace(expected.find("invoice-fields   #"), 14, "/srv/models/invoice-fields.2");
  EXPECT_EQ(*edited, expected);

  edited = SetStepParam(kSpec, "fields", "date_order", "day: first");
  ASSERT_TRUE(edited.ok()) << edited.status();
  EXPECT_THAT(*edited, HasSubstr("    with:\n      date_order: \"day: first\"\n      model:"));

  EXPECT_EQ(SetStepParam(kSpec, "nope", "model", "x").status().code(), absl::StatusCode::kNotFound);
  // A value over several lines is not edited in place.
  EXPECT_EQ(SetStepParam("steps:\n  - id: a\n    with:\n      code: |\n        return 1\n", "a",
                         "code", "x")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(SpecEditTest, ReadsTheExtractStepItsModelAndTheThresholdFields) {
  EXPECT_EQ(FirstStepUsing(kSpec, "extract").value(), "fields");
  EXPECT_EQ(FirstStepUsing(kSpec, "classify").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(StepParam(kSpec, "fields", "model").value(), "invoice-fields");
  EXPECT_EQ(StepParam(kSpec, "fields", "nope").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<ThresholdLine>> thresholds = ThresholdFields(kSpec);
  ASSERT_TRUE(thresholds.ok()) << thresholds.status();
  ASSERT_EQ(thresholds->size(), 2u);
  EXPECT_EQ((*thresholds)[0].field, "total_amount");
  EXPECT_DOUBLE_EQ((*thresholds)[1].threshold, 0.9);
  EXPECT_EQ(ThresholdFields("exceptions:\n  fields:\n    total: high\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ThresholdFields("workflow: w\n").value(), ::testing::IsEmpty());
}

}  // namespace
}  // namespace flowline::engine
