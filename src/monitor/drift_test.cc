#include "monitor/drift.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::monitor {
namespace {

using ::testing::HasSubstr;

FeatureSpec Feature(FeatureType type) {
  FeatureSpec feature;
  feature.name = "vendor";
  feature.from = "steps.fields.output.values.vendor_name";
  feature.type = type;
  return feature;
}

FeatureHistogram Categories(const std::map<std::string, int>& counts) {
  FeatureHistogram h(FeatureType::kCategorical);
  for (const auto& [category, count] : counts) {
    for (int i = 0; i < count; ++i) h.AddCategory(category);
  }
  return h;
}

TEST(DriftTest, ANewVendorIsNamedInTheFindingAndTheDistribution) {
  const FeatureDrift drift = EvaluateDrift(
      Feature(FeatureType::kCategorical), Categories({{"Acme", 600}, {"Globex", 400}}),
      Categories({{"Acme", 150}, {"Globex", 100}, {"Initech", 250}}));
  EXPECT_EQ(drift.status, DriftStatus::kDrift);
  EXPECT_EQ(drift.test, "chi2+js");
  EXPECT_THAT(drift.summary, HasSubstr("new: 'Initech' 50.0%"));
  EXPECT_THAT(drift.summary, HasSubstr("largest change 'Initech' 0.0% -> 50.0%"));
  const Json& categories = drift.distribution["categories"];
  ASSERT_EQ(categories.size(), 3u);
  EXPECT_EQ(categories[0]["category"], "Acme");
  EXPECT_DOUBLE_EQ(categories[0]["reference"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(categories[0]["current"].get<double>(), 0.3);
  EXPECT_EQ(categories[2]["category"], "Initech");
  EXPECT_EQ(categories[2]["new"], true);
  EXPECT_EQ(drift.distribution["new_categories"][0]["count"], 250);
  const Json json = drift.ToJson();
  EXPECT_EQ(json["status"], "drift");
  EXPECT_EQ(json["statistics"][2]["name"], "js");
  EXPECT_EQ(json["statistics"][2]["threshold"], 0.1);
  EXPECT_EQ(json["statistics"][2]["beyond"], true);
  EXPECT_TRUE(json["statistics"][0]["threshold"].is_null());  // chi2 itself has none
}

TEST(DriftTest, AStableMixIsNotDrift) {
  const FeatureDrift drift = EvaluateDrift(Feature(FeatureType::kCategorical),
                                           Categories({{"Acme", 600}, {"Globex", 400}}),
                                           Categories({{"Acme", 290}, {"Globex", 210}}));
  EXPECT_EQ(drift.status, DriftStatus::kOk);
  EXPECT_THAT(drift.summary, HasSubstr("JS 0.00"));
}

TEST(DriftTest, SignificantButSmallIsNotDrift) {
  // 20,000 values a side: a 3% shift of the mean is highly significant (KS p tiny) but PSI stays
  // far under 0.2, so it is no drift: both conditions must hold.
  FeatureHistogram reference(FeatureType::kNumeric);
  FeatureHistogram current(FeatureType::kNumeric);
  for (int i = 0; i < 20000; ++i) {
    reference.AddNumber(100 + (i % 1000) * 0.1);
    current.AddNumber(103 + (i % 1000) * 0.1);
  }
  const FeatureDrift drift = EvaluateDrift(Feature(FeatureType::kNumeric), reference, current);
  EXPECT_EQ(drift.status, DriftStatus::kOk) << drift.summary;
  ASSERT_EQ(drift.statistics.size(), 3u);
  EXPECT_TRUE(drift.statistics[2].beyond);   // KS p < 0.01
  EXPECT_FALSE(drift.statistics[0].beyond);  // PSI < 0.2
  // The bins for display: shares per reference decile, first and last bounded by the data.
  const Json& bins = drift.distribution["bins"];
  ASSERT_EQ(bins.size(), 10u);
  EXPECT_NEAR(bins[0]["lower"].get<double>(), 100, 1);
  EXPECT_NEAR(bins[9]["upper"].get<double>(), 202.9, 1.1);
  EXPECT_NEAR(bins[0]["reference"].get<double>(), 0.1, 0.01);
}

TEST(DriftTest, RatesHonourTheirDirection) {
  FeatureSpec accuracy = Feature(FeatureType::kRate);
  accuracy.direction = Direction::kDrop;
  FeatureHistogram reference(FeatureType::kRate);
  FeatureHistogram better(FeatureType::kRate);
  FeatureHistogram worse(FeatureType::kRate);
  for (int i = 0; i < 1000; ++i) {
    reference.AddNumber(i % 10 < 8);  // 80%
    better.AddNumber(i % 10 < 9);     // 90%
    worse.AddNumber(i % 10 < 7);      // 70%
  }
  EXPECT_EQ(EvaluateDrift(accuracy, reference, better).status, DriftStatus::kOk);
  const FeatureDrift drop = EvaluateDrift(accuracy, reference, worse);
  EXPECT_EQ(drop.status, DriftStatus::kDrift);
  EXPECT_THAT(drop.summary, HasSubstr("rate 70.0% (reference 80.0%, change -10.0 points"));
  accuracy.direction = Direction::kBoth;
  EXPECT_EQ(EvaluateDrift(accuracy, reference, better).status, DriftStatus::kDrift);
}

}  // namespace
}  // namespace flowline::monitor
