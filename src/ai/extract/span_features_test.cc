#include "ai/extract/span_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "ai/extract/features.h"
#include "ai/extract/testing/layout.h"

namespace flowline::ai {
namespace {

using testing::Column;
using testing::MakeLine;
using testing::MakePage;

Document OnePage(std::vector<Line> lines) {
  Document doc;
  doc.pages.push_back(MakePage(std::move(lines)));
  return doc;
}

TEST(SpanFeaturesTest, NamesAreTheLastBaseFeatures) {
  const std::vector<std::string> names = BaseFeatureNames();
  ASSERT_EQ(names.size(), static_cast<size_t>(kBaseFeatureCount));
  EXPECT_EQ(names[kGeneralFeatureCount + kBlockFeatureCount], "range_position");
  EXPECT_EQ(names[kGeneralFeatureCount + kBlockFeatureCount + kSpanFeatureCount - 1], "latest_end");
}

TEST(SpanFeaturesTest, FirstAndSecondDateOfARange) {
  // "Invoice Date 02/23/20" and "Flight: 12/30/19 - 03/29/20" and a one-word range.
  Document doc = OnePage({MakeLine({"Invoice", "Date", "02/23/20"}, 0.05, 0.05),
                          MakeLine({"Flight:", "12/30/19", "-", "03/29/20"}, 0.05, 0.08),
                          MakeLine({"Week", "05/08/20-05/12/20"}, 0.05, 0.11)});
  CandidateOptions options;
  options.date_order = DateOrder::kMdy;
  const std::vector<Candidate> dates = GenerateCandidates(doc, FieldType::kDate, options);
  const FieldSpec field{"flight_from", FieldType::kDate, {}, {}};
  const std::vector<float> rows = BuildFeatures(doc, field, dates, {});
  int checked = 0;
  for (size_t i = 0; i < dates.size(); ++i) {
    const float* f = &rows[i * kBaseFeatureCount];
    const std::string& v = dates[i].norm.value;
    const float position = f[Column("range_position")];
    const float separator = f[Column("range_separator")];
    if (v == "2020-02-23") {
      EXPECT_EQ(position, 0.0f);
      EXPECT_EQ(f[Column("range_days")], -1.0f);
      ++checked;
    } else if (v == "2019-12-30" || v == "2020-05-08") {
      EXPECT_EQ(position, 1.0f) << v;
      EXPECT_EQ(separator, v == "2019-12-30" ? 1.0f : 4.0f) << v;
      ++checked;
    } else if (v == "2020-03-29" || v == "2020-05-12") {
      EXPECT_EQ(position, 2.0f) << v;
      ++checked;
    }
    if (v == "2019-12-30") {
      EXPECT_EQ(f[Column("earliest_start")], 1.0f);
      EXPECT_EQ(f[Column("range_covers")], 0.5f);  // itself, not May 8-12
    }
    if (v == "2020-05-12") {
      EXPECT_EQ(f[Column("latest_end")], 1.0f);
    }
    if (v == "2020-05-08") {
      EXPECT_EQ(f[Column("earliest_start")], 0.0f);
    }
    if (v == "2020-03-29") {
      EXPECT_NEAR(f[Column("range_days")], std::log1p(90.0), 1e-4);  // Dec 30 to Mar 29, 2020
      EXPECT_EQ(f[Column("range_ends")], 1.0f);
    }
  }
  EXPECT_EQ(checked, 5);
}

TEST(SpanFeaturesTest, ALabelInAnotherLineOfTheSameRow) {
  // The reader split the row: "Contract #" is one line, its value another, a bit lower.
  Line label = MakeLine({"Contract", "#"}, 0.50, 0.100);
  Line value = MakeLine({"26784693"}, 0.70, 0.102);
  Line other = MakeLine({"Page", "1"}, 0.05, 0.30);
  Document doc = OnePage({label, value, other});
  const std::vector<Candidate> ids = GenerateCandidates(doc, FieldType::kId, {});
  const auto it = std::find_if(ids.begin(), ids.end(),
                               [](const Candidate& c) { return c.norm.value == "26784693"; });
  ASSERT_NE(it, ids.end());
  EXPECT_EQ(RowLeftTokens(doc, *it, 8), std::vector<std::string>{"contract"});
  const Context context = CandidateContext(doc, *it);
  EXPECT_EQ(context.left, std::vector<std::string>{"contract"});
  const FieldSpec field{"contract_number", FieldType::kId, {}, {}};
  const std::vector<float> rows = BuildFeatures(doc, field, {*it}, {"contract"});
  EXPECT_EQ(rows[Column("row_left_words")], 2.0f);
  EXPECT_EQ(rows[Column("label_before")], 1.0f);  // "#"
  EXPECT_EQ(rows[kBaseFeatureCount], 1.0f);       // left:contract, nearest
}

TEST(SpanFeaturesTest, TheLastAmountOfAColumn) {
  Document doc =
      OnePage({MakeLine({"Spot", "100.00"}, 0.05, 0.10), MakeLine({"Spot", "250.00"}, 0.05, 0.12),
               MakeLine({"Total", "350.00"}, 0.05, 0.14)});
  const std::vector<Candidate> amounts = GenerateCandidates(doc, FieldType::kAmount, {});
  ASSERT_EQ(amounts.size(), 3u);
  const FieldSpec field{"gross_amount", FieldType::kAmount, {}, {}};
  const std::vector<float> rows = BuildFeatures(doc, field, amounts, {});
  EXPECT_EQ(rows[Column("column_below")], 2.0f);
  EXPECT_EQ(rows[2 * kBaseFeatureCount + Column("column_below")], 0.0f);
  EXPECT_EQ(rows[2 * kBaseFeatureCount + Column("column_above")], 2.0f);
}

}  // namespace
}  // namespace flowline::ai
