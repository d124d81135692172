#include "ai/extract/agreement_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ai/extract/features.h"
#include "ai/extract/testing/layout.h"

namespace flowline::ai {
namespace {

using testing::Column;
using testing::MakeLine;
using testing::MakePage;

float Feature(const std::vector<float>& rows, size_t i, const std::string& name) {
  return rows[i * kBaseFeatureCount + Column(name)];
}

std::vector<float> Rows(const Document& doc, FieldType type, const std::vector<Candidate>& c) {
  std::vector<Context> contexts;
  return BaseFeatures(doc, FieldSpec{"f", type, {}, {}}, c, &contexts);
}

TEST(AgreementFeaturesTest, NamesAreTheLastBaseFeatures) {
  const std::vector<std::string> names = BaseFeatureNames();
  ASSERT_EQ(names.size(), static_cast<size_t>(kBaseFeatureCount));
  EXPECT_EQ(names[kBaseFeatureCount - kAgreementFeatureCount], "value_page_share");
  EXPECT_EQ(names.back(), "column_sum");
}

TEST(AgreementFeaturesTest, ValueOnEveryPageAtTheSamePlace) {
  // The total in every page's header at the same place; a budget only on the last page.
  Document doc;
  doc.pages.push_back(MakePage({MakeLine({"Total", "$:", "$2,120.00"}, 0.80, 0.09),
                                MakeLine({"1", "$1,600.00"}, 0.50, 0.40)}));
  doc.pages.push_back(MakePage({MakeLine({"Total", "$:", "$2,120.00"}, 0.80, 0.09),
                                MakeLine({"2", "$520.00"}, 0.50, 0.40)}));
  doc.pages.push_back(MakePage({MakeLine({"Total", "$:", "$2,120.00"}, 0.805, 0.095),
                                MakeLine({"Budget:", "$106,000"}, 0.05, 0.30),
                                MakeLine({"$2,120.00"}, 0.50, 0.60)}));
  const std::vector<Candidate> amounts = GenerateCandidates(doc, FieldType::kAmount, {});
  const std::vector<float> rows = Rows(doc, FieldType::kAmount, amounts);
  int checked = 0;
  for (size_t i = 0; i < amounts.size(); ++i) {
    const Candidate& c = amounts[i];
    if (c.norm.value == "2120.00" && c.box.x0 > 0.7) {
      EXPECT_FLOAT_EQ(Feature(rows, i, "value_page_share"), 1.0f);
      EXPECT_FLOAT_EQ(Feature(rows, i, "value_same_place"), 1.0f);
      EXPECT_EQ(Feature(rows, i, "value_first_rank"), 0.0f);
      ++checked;
    } else if (c.norm.value == "2120.00") {  // the same value elsewhere on page 3
      EXPECT_FLOAT_EQ(Feature(rows, i, "value_same_place"), 0.0f);
      ++checked;
    } else if (c.norm.value == "106000") {
      EXPECT_NEAR(Feature(rows, i, "value_page_share"), 1.0 / 3, 1e-6);
      EXPECT_FLOAT_EQ(Feature(rows, i, "value_same_place"), 0.0f);
      EXPECT_GT(Feature(rows, i, "value_first_rank"), 0.0f);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 5);
}

TEST(AgreementFeaturesTest, TotalIsTheSumOfTheAmountsAboveIt) {
  Document doc;
  doc.pages.push_back(MakePage(
      {MakeLine({"Spot", "$475.00"}, 0.50, 0.40), MakeLine({"Spot", "$225.00"}, 0.50, 0.42),
       MakeLine({"Total", "$700.00"}, 0.50, 0.44), MakeLine({"Budget", "$8,750.00"}, 0.50, 0.50)}));
  const std::vector<Candidate> amounts = GenerateCandidates(doc, FieldType::kAmount, {});
  const std::vector<float> rows = Rows(doc, FieldType::kAmount, amounts);
  ASSERT_EQ(amounts.size(), 4u);
  EXPECT_EQ(Feature(rows, 0, "column_sum"), 0.0f);
  EXPECT_EQ(Feature(rows, 1, "column_sum"), 0.0f);
  EXPECT_EQ(Feature(rows, 2, "column_sum"), 1.0f);  // 475 + 225
  EXPECT_EQ(Feature(rows, 3, "column_sum"), 0.0f);  // 700 + 225 + 475 = 1400, not 8750
}

TEST(AgreementFeaturesTest, OnePageDocumentHasNoSamePlace) {
  Document doc;
  doc.pages.push_back(MakePage(
      {MakeLine({"No.", "4374657"}, 0.30, 0.03), MakeLine({"Ref", "4374657"}, 0.30, 0.20)}));
  const std::vector<Candidate> ids = GenerateCandidates(doc, FieldType::kId, {});
  const std::vector<float> rows = Rows(doc, FieldType::kId, ids);
  ASSERT_EQ(ids.size(), 2u);
  for (size_t i = 0; i < ids.size(); ++i) {
    EXPECT_FLOAT_EQ(Feature(rows, i, "value_page_share"), 1.0f);
    EXPECT_FLOAT_EQ(Feature(rows, i, "value_same_place"), 0.0f);
    EXPECT_EQ(Feature(rows, i, "value_first_rank"), 0.0f);
  }
}

}  // namespace
}  // namespace flowline::ai
