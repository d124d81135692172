#include "monitor/histogram.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace flowline::monitor {
namespace {

TEST(FeatureHistogramTest, NumericValuesKeepTheirOrderWithinHalfAPercent) {
  FeatureHistogram h(FeatureType::kNumeric);
  const std::vector<double> values = {-250.0, -0.5, 0.0, 1e-12, 0.01, 1.0, 99.99, 100.0, 12345.67};
  for (double v : values) h.AddNumber(v);
  std::vector<WeightedValue> bins = h.Values();
  ASSERT_EQ(h.count(), 9);
  // 0 and 1e-12 share the zero bin; 99.99 and 100 share one 1% bin.
  ASSERT_EQ(bins.size(), 7u);
  EXPECT_NEAR(bins[0].value, -250.0, 250.0 * 0.005);
  EXPECT_NEAR(bins[1].value, -0.5, 0.5 * 0.005);
  EXPECT_EQ(bins[2].value, 0);
  EXPECT_EQ(bins[2].count, 2);
  EXPECT_NEAR(bins[5].value, 100.0, 100.0 * 0.005);
  EXPECT_EQ(bins[5].count, 2);
  EXPECT_NEAR(bins[6].value, 12345.67, 12345.67 * 0.005);
  for (size_t i = 1; i < bins.size(); ++i) EXPECT_LT(bins[i - 1].value, bins[i].value);
}

TEST(FeatureHistogramTest, ConfidencesAreKeptOnAGridOfHalfAPercent) {
  FeatureHistogram h(FeatureType::kConfidence);
  for (double v : {0.0, 0.9512, 0.9538, 1.0, 1.3, -0.2}) h.AddNumber(v);
  std::vector<WeightedValue> bins = h.Values();
  ASSERT_EQ(bins.size(), 4u);
  EXPECT_EQ(bins[0].value, 0);
  EXPECT_EQ(bins[0].count, 2);  // 0 and the clamped -0.2
  EXPECT_NEAR(bins[1].value, 0.95, 1e-12);
  EXPECT_NEAR(bins[2].value, 0.955, 1e-12);
  EXPECT_EQ(bins[3].value, 1);
  EXPECT_EQ(bins[3].count, 2);  // 1 and the clamped 1.3
}

TEST(FeatureHistogramTest, NonFiniteValuesCountAsMissing) {
  FeatureHistogram h(FeatureType::kNumeric);
  h.AddNumber(std::nan(""));
  h.AddNumber(INFINITY);
  h.AddMissing();
  h.AddNumber(3);
  EXPECT_EQ(h.count(), 1);
  EXPECT_EQ(h.missing(), 3);
}

TEST(FeatureHistogramTest, RatesCountTrialsAndHits) {
  FeatureHistogram h(FeatureType::kRate);
  for (double v : {1.0, 0.0, 1.0, 1.0}) h.AddNumber(v);
  EXPECT_EQ(h.count(), 4);
  EXPECT_EQ(h.hits(), 3);
}

TEST(FeatureHistogramTest, CategoriesBeyondTheCapGoToOther) {
  FeatureHistogram h(FeatureType::kCategorical);
  for (size_t i = 0; i < kMaxCategories + 5; ++i) h.AddCategory("vendor " + std::to_string(i));
  h.AddCategory("vendor 0");
  EXPECT_EQ(h.categories().size(), kMaxCategories + 1);
  EXPECT_EQ(h.categories().at(kOtherCategory), 5);
  EXPECT_EQ(h.categories().at("vendor 0"), 2);
  EXPECT_EQ(h.count(), static_cast<int64_t>(kMaxCategories) + 6);

  // Merging keeps the most frequent categories by name.
  FeatureHistogram other(FeatureType::kCategorical);
  for (int i = 0; i < 50; ++i) other.AddCategory("Initech");
  ASSERT_TRUE(h.Merge(other).ok());
  EXPECT_EQ(h.categories().size(), kMaxCategories);
  EXPECT_EQ(h.categories().at("Initech"), 50);
  EXPECT_EQ(h.categories().at("vendor 0"), 2);
}

TEST(FeatureHistogramTest, LongCategoriesAreCutAtACharacterBoundary) {
  FeatureHistogram h(FeatureType::kCategorical);
  std::string name(kMaxCategoryBytes - 1, 'a');
  name += "\xc3\xa9tude";  // a two-byte é straddling the cut
  h.AddCategory(name);
  ASSERT_EQ(h.categories().size(), 1u);
  EXPECT_EQ(h.categories().begin()->first, std::string(kMaxCategoryBytes - 1, 'a'));
}

TEST(FeatureHistogramTest, MergingBucketsEqualsAddingEverythingToOne) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> amounts(5, 1.5);
  FeatureHistogram all(FeatureType::kNumeric);
  FeatureHistogram merged(FeatureType::kNumeric);
  for (int bucket = 0; bucket < 5; ++bucket) {
    FeatureHistogram one(FeatureType::kNumeric);
    for (int i = 0; i < 100; ++i) {
      const double x = amounts(rng);
      one.AddNumber(x);
      all.AddNumber(x);
    }
    one.AddMissing();
    all.AddMissing();
    ASSERT_TRUE(merged.Merge(one).ok());
  }
  EXPECT_EQ(merged.ToJson(), all.ToJson());
  EXPECT_FALSE(merged.Merge(FeatureHistogram(FeatureType::kRate)).ok());
}

TEST(FeatureHistogramTest, JsonRoundTripsEveryType) {
  FeatureHistogram numeric(FeatureType::kNumeric);
  for (double v : {1.5, 2.5, -3.0, 0.0}) numeric.AddNumber(v);
  numeric.AddMissing();
  FeatureHistogram categorical(FeatureType::kCategorical);
  for (const char* c : {"EUR", "USD", "EUR"}) categorical.AddCategory(c);
  FeatureHistogram rate(FeatureType::kRate);
  for (double v : {1.0, 0.0, 1.0}) rate.AddNumber(v);
  for (const FeatureHistogram* h : {&numeric, &categorical, &rate}) {
    absl::StatusOr<FeatureHistogram> back = FeatureHistogram::FromJson(h->type(), h->ToJson(), "x");
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->ToJson(), h->ToJson());
  }
  EXPECT_EQ(categorical.ToJson(), R"({"categories":{"EUR":2,"USD":1},"missing":0,"n":3})");
  EXPECT_EQ(rate.ToJson(), R"({"hits":2,"missing":0,"n":3})");
}

TEST(FeatureHistogramTest, MalformedJsonIsAnErrorNamingIt) {
  absl::StatusOr<FeatureHistogram> bad =
      FeatureHistogram::FromJson(FeatureType::kNumeric, R"({"n": -1})", "invoice/amount");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), ::testing::HasSubstr("invoice/amount"));
  EXPECT_FALSE(FeatureHistogram::FromJson(FeatureType::kNumeric, R"({"bins": [[1]]})", "x").ok());
  EXPECT_FALSE(FeatureHistogram::FromJson(FeatureType::kNumeric, "[", "x").ok());
}

TEST(FeatureHistogramTest, TypeNamesRoundTrip) {
  for (FeatureType type : {FeatureType::kNumeric, FeatureType::kConfidence,
                           FeatureType::kCategorical, FeatureType::kRate}) {
    EXPECT_EQ(ParseFeatureType(FeatureTypeName(type)), type);
  }
  EXPECT_FALSE(ParseFeatureType("number").has_value());
}

}  // namespace
}  // namespace flowline::monitor
