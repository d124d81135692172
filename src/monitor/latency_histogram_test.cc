#include "monitor/latency_histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace flowline::monitor {
namespace {

LatencyHistogram Of(std::initializer_list<double> seconds) {
  LatencyHistogram h;
  for (double s : seconds) EXPECT_TRUE(h.Add(BucketLabel(s), 1, s));
  return h;
}

TEST(LatencyHistogramTest, ValuesFallIntoTheBucketOfTheNextBoundUp) {
  EXPECT_EQ(BucketLabel(0), "0.001");
  EXPECT_EQ(BucketLabel(-3), "0.001");
  EXPECT_EQ(BucketLabel(0.001), "0.001");  // a bound belongs to its own bucket (le)
  EXPECT_EQ(BucketLabel(0.0011), "0.0025");
  EXPECT_EQ(BucketLabel(1), "1");
  EXPECT_EQ(BucketLabel(45), "60");
  EXPECT_EQ(BucketLabel(3600), "3600");
  EXPECT_EQ(BucketLabel(604800), "604800");
  EXPECT_EQ(BucketLabel(604801), "+Inf");
  EXPECT_EQ(LatencyBounds().size(), 29u);
  for (double bound : LatencyBounds()) EXPECT_EQ(BucketLabel(bound), BoundLabel(bound));
}

TEST(LatencyHistogramTest, QuantilesInterpolateWithinTheirBucket) {
  // 0.3 and 0.4 in (0.25, 0.5], 0.7 in (0.5, 1], 2 in (1, 2.5].
  LatencyHistogram h = Of({0.3, 0.4, 0.7, 2});
  EXPECT_EQ(h.count(), 4);
  EXPECT_DOUBLE_EQ(h.sum(), 3.4);
  // Rank 1 of 4: half-way into the two observations of (0.25, 0.5].
  EXPECT_DOUBLE_EQ(h.Quantile(0.25), 0.375);
  // Rank 2: the top of that bucket.
  EXPECT_DOUBLE_EQ(h.Quantile(0.5), 0.5);
  // Rank 3 and 4: buckets holding one observation each answer it exactly.
  EXPECT_DOUBLE_EQ(h.Quantile(0.75), 0.7);
  EXPECT_DOUBLE_EQ(h.Quantile(1), 2);
  EXPECT_DOUBLE_EQ(h.Mean(), 0.85);
}

TEST(LatencyHistogramTest, TheOverflowBucketAnswersItsMean) {
  LatencyHistogram h = Of({700000, 900000});
  EXPECT_DOUBLE_EQ(h.Quantile(0.5), 800000);
  EXPECT_DOUBLE_EQ(h.Quantile(0.99), 800000);
  EXPECT_EQ(LatencyHistogram().Quantile(0.5), 0);
}

TEST(LatencyHistogramTest, MergedHistogramsEqualOneBuiltFromAllObservations) {
  LatencyHistogram a = Of({0.02, 3, 40});
  LatencyHistogram b = Of({0.03, 3, 1800, 90000});
  a.Merge(b);
  LatencyHistogram all = Of({0.02, 3, 40, 0.03, 3, 1800, 90000});
  EXPECT_EQ(a.count(), all.count());
  EXPECT_DOUBLE_EQ(a.sum(), all.sum());
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_DOUBLE_EQ(a.Quantile(q), all.Quantile(q));
  EXPECT_EQ(a.Cumulative(), all.Cumulative());
}

TEST(LatencyHistogramTest, CumulativeCountsEndWithEverything) {
  LatencyHistogram h = Of({0.0005, 0.2, 0.2, 1000000});
  std::map<double, int64_t> cumulative = h.Cumulative();
  EXPECT_EQ(cumulative.size(), LatencyBounds().size() + 1);
  EXPECT_EQ(cumulative.at(0.001), 1);
  EXPECT_EQ(cumulative.at(0.1), 1);
  EXPECT_EQ(cumulative.at(0.25), 3);
  EXPECT_EQ(cumulative.at(604800), 3);
  EXPECT_EQ(cumulative.at(std::numeric_limits<double>::infinity()), 4);
}

TEST(LatencyHistogramTest, UnknownLabelsAreRefused) {
  LatencyHistogram h;
  EXPECT_FALSE(h.Add("0.3", 1, 0.3));
  EXPECT_FALSE(h.Add("fast", 1, 0.3));
  EXPECT_TRUE(h.Add("+Inf", 1, 1e7));
  EXPECT_EQ(h.count(), 1);
}

}  // namespace
}  // namespace flowline::monitor
