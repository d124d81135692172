// The statistics against published tables and hand-computed examples (the arithmetic of each is
// in the comment beside it).
#include "monitor/statistics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace flowline::monitor {
namespace {

TEST(StatisticsTest, NormalTailMatchesTheTable) {
  EXPECT_NEAR(NormalUpperTail(0), 0.5, 1e-12);
  EXPECT_NEAR(NormalUpperTail(1.959964), 0.025, 1e-7);
  EXPECT_NEAR(NormalUpperTail(2.326348), 0.01, 1e-7);
  EXPECT_NEAR(NormalUpperTail(-2.575829), 0.995, 1e-7);
}

TEST(StatisticsTest, ChiSquaredSurvivalMatchesCriticalValues) {
  // Critical values from the chi-squared table (e.g. NIST/SEMATECH e-Handbook 1.3.6.7.4).
  EXPECT_NEAR(ChiSquaredSurvival(3.841459, 1), 0.05, 1e-7);
  EXPECT_NEAR(ChiSquaredSurvival(6.634897, 1), 0.01, 1e-7);
  EXPECT_NEAR(ChiSquaredSurvival(15.086272, 5), 0.01, 1e-7);
  EXPECT_NEAR(ChiSquaredSurvival(23.209251, 10), 0.01, 1e-7);
  EXPECT_NEAR(ChiSquaredSurvival(31.410433, 20), 0.05, 1e-7);
  EXPECT_NEAR(ChiSquaredSurvival(124.342113, 100), 0.05, 1e-7);
  // With 2 degrees of freedom the survival function is exp(-x/2), with 1 it is erfc(√(x/2)).
  for (double x : {0.1, 1.0, 4.0, 9.21034, 30.0}) {
    EXPECT_NEAR(ChiSquaredSurvival(x, 2), std::exp(-x / 2), 1e-12) << x;
    EXPECT_NEAR(ChiSquaredSurvival(x, 1), std::erfc(std::sqrt(x / 2)), 1e-12) << x;
  }
  EXPECT_NEAR(ChiSquaredSurvival(0.5, 3), 0.918891411654676, 1e-10);  // series side (x < a+1)
  EXPECT_EQ(ChiSquaredSurvival(0, 4), 1.0);
  EXPECT_EQ(ChiSquaredSurvival(5, 0), 1.0);
}

TEST(StatisticsTest, RegularizedGammaQOfOneIsTheExponential) {
  for (double x : {0.0, 0.5, 1.0, 2.0, 10.0})
    EXPECT_NEAR(RegularizedGammaQ(1, x), std::exp(-x), 1e-12);
}

TEST(StatisticsTest, KolmogorovSurvivalMatchesItsCriticalValues) {
  // The Kolmogorov distribution's critical values (Smirnov 1948): 1.22385 (10%), 1.35810 (5%),
  // 1.62762 (1%), 1.94947 (0.1%); Q(1) = 0.2699997, Q(0.5) = 0.9639452.
  EXPECT_NEAR(KolmogorovSurvival(1.22385), 0.10, 1e-5);
  EXPECT_NEAR(KolmogorovSurvival(1.35810), 0.05, 1e-5);
  EXPECT_NEAR(KolmogorovSurvival(1.62762), 0.01, 1e-5);
  EXPECT_NEAR(KolmogorovSurvival(1.94947), 0.001, 1e-6);
  EXPECT_NEAR(KolmogorovSurvival(1.0), 0.2699997, 1e-7);  // the theta-function side
  EXPECT_NEAR(KolmogorovSurvival(0.5), 0.9639452, 1e-7);
  // Both series agree where they meet.
  EXPECT_NEAR(KolmogorovSurvival(1.1799999), KolmogorovSurvival(1.18), 1e-6);
  EXPECT_EQ(KolmogorovSurvival(0), 1.0);
  EXPECT_LT(KolmogorovSurvival(5), 1e-20);
}

TEST(StatisticsTest, KolmogorovSmirnovOnSmallHandComputedSamples) {
  // {1..5} against {3..7}: after 2 the reference CDF is 0.4 and the current 0, and after 5 they
  // are 1 and 0.6, so D = 0.4; nₑ = 2.5, λ = (1.5811 + 0.12 + 0.0696)·0.4 = 0.7083, Q = 0.6974.
  KsResult ks = KolmogorovSmirnov(ToWeighted({1, 2, 3, 4, 5}), ToWeighted({3, 4, 5, 6, 7}));
  EXPECT_DOUBLE_EQ(ks.statistic, 0.4);
  EXPECT_NEAR(ks.p_value, 0.6974049, 1e-6);
  EXPECT_EQ(ks.reference_n, 5);
  EXPECT_EQ(ks.current_n, 5);

  // 1..100 against 21..120: D = 0.2 (at 20), nₑ = 50, λ = (7.0711 + 0.12 + 0.0156)·0.2.
  std::vector<double> a;
  std::vector<double> b;
  for (int i = 1; i <= 100; ++i) {
    a.push_back(i);
    b.push_back(i + 20);
  }
  ks = KolmogorovSmirnov(ToWeighted(a), ToWeighted(b));
  EXPECT_NEAR(ks.statistic, 0.2, 1e-12);
  EXPECT_NEAR(ks.p_value, 0.0313767, 1e-6);
}

TEST(StatisticsTest, KolmogorovSmirnovCountsTiesAcrossSamplesOnce) {
  // Identical samples with many ties: the CDFs are equal after every value, D = 0.
  KsResult ks = KolmogorovSmirnov({{1, 10}, {2, 20}, {3, 10}}, {{1, 5}, {2, 10}, {3, 5}});
  EXPECT_EQ(ks.statistic, 0);
  EXPECT_EQ(ks.p_value, 1);
  EXPECT_EQ(KolmogorovSmirnov({}, {{1, 3}}).p_value, 1);
}

TEST(StatisticsTest, KolmogorovSmirnovPValuesAreCalibratedUnderTheNull) {
  // Same distribution on both sides: p < 0.05 should happen about 5% of the time (the asymptotic
  // p-value with Stephens' correction is a little conservative at n = 200).
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> amounts(6, 1);
  int rejected = 0;
  constexpr int kTrials = 1000;
  for (int t = 0; t < kTrials; ++t) {
    std::vector<double> a(200);
    std::vector<double> b(200);
    for (double& x : a) x = amounts(rng);
    for (double& x : b) x = amounts(rng);
    rejected += KolmogorovSmirnov(ToWeighted(a), ToWeighted(b)).p_value < 0.05;
  }
  EXPECT_GT(rejected, 25);  // 2.5% .. 7.5%: well outside is a broken p-value
  EXPECT_LT(rejected, 75);
}

TEST(StatisticsTest, QuantileEdgesCutEqualShares) {
  std::vector<double> values;
  for (int i = 1; i <= 10; ++i) values.push_back(i);
  EXPECT_EQ(QuantileEdges(ToWeighted(values), 2), std::vector<double>({5}));
  EXPECT_EQ(QuantileEdges(ToWeighted(values), 5), std::vector<double>({2, 4, 6, 8}));
  // Ties merge cuts: 80% zeros leave one cut at 0 and the rest above.
  EXPECT_EQ(QuantileEdges({{0, 8}, {1, 1}, {2, 1}}, 10), std::vector<double>({0, 1}));
  EXPECT_TRUE(QuantileEdges({}, 10).empty());
}

TEST(StatisticsTest, PsiOnAHandComputedExample) {
  // Reference 1..10 cut at its median 5: shares 0.5 / 0.5. Current {1,2,3,6,...,12}: 0.3 / 0.7.
  // PSI = (0.3 − 0.5)·ln(0.3/0.5) + (0.7 − 0.5)·ln(0.7/0.5) = 0.102165 + 0.067294 = 0.169460.
  std::vector<double> reference;
  for (int i = 1; i <= 10; ++i) reference.push_back(i);
  PsiResult psi = PopulationStabilityIndex(ToWeighted(reference),
                                           ToWeighted({1, 2, 3, 6, 7, 8, 9, 10, 11, 12}), 2);
  EXPECT_NEAR(psi.psi, 0.1694596, 1e-6);
  ASSERT_EQ(psi.bins.size(), 2u);
  EXPECT_EQ(psi.bins[0].upper, 5);
  EXPECT_EQ(psi.bins[0].reference_count, 5);
  EXPECT_EQ(psi.bins[0].current_count, 3);
  EXPECT_TRUE(std::isinf(psi.bins[1].upper));
  EXPECT_DOUBLE_EQ(psi.bins[1].current_share, 0.7);
}

TEST(StatisticsTest, PsiGivesAnEmptyBinTheDocumentedShare) {
  // Everything current falls in the upper bin: the lower bin's 0 becomes 0.0001.
  // PSI = (0.0001 − 0.5)·ln(0.0001/0.5) + (1 − 0.5)·ln(1/0.5) = 4.25774 + 0.34657.
  std::vector<double> reference;
  for (int i = 1; i <= 10; ++i) reference.push_back(i);
  PsiResult psi = PopulationStabilityIndex(ToWeighted(reference), ToWeighted({7, 8, 9}), 2);
  const double expected =
      (kPsiEmptyShare - 0.5) * std::log(kPsiEmptyShare / 0.5) + 0.5 * std::log(2.0);
  EXPECT_NEAR(psi.psi, expected, 1e-12);
  EXPECT_NEAR(psi.psi, 4.60432, 1e-5);
}

TEST(StatisticsTest, PsiOfASampleWithItselfIsZero) {
  std::vector<double> values = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9};
  EXPECT_NEAR(PopulationStabilityIndex(ToWeighted(values), ToWeighted(values)).psi, 0, 1e-12);
  EXPECT_EQ(PopulationStabilityIndex({}, ToWeighted(values)).psi, 0);
}

TEST(StatisticsTest, ChiSquaredOnAHandComputedTable) {
  // Reference A 30, B 20; current A 10, B 40. Expected 20/30 on both sides:
  // χ² = 100/20 + 100/30 + 100/20 + 100/30 = 16.667 with 1 df, p = erfc(√8.333) = 4.4557e-5.
  ChiSquaredResult chi = ChiSquaredHomogeneity({{"A", 30, 10}, {"B", 20, 40}});
  EXPECT_NEAR(chi.statistic, 16.666667, 1e-5);
  EXPECT_EQ(chi.degrees_of_freedom, 1);
  EXPECT_NEAR(chi.p_value, 4.4557e-5, 1e-8);
  ASSERT_EQ(chi.categories.size(), 2u);
  EXPECT_EQ(chi.categories[0].category, "B");  // most frequent first
}

TEST(StatisticsTest, ChiSquaredPoolsRareCategories) {
  // C, D and E would each expect under 5 in the current sample: they are tested as one pool.
  ChiSquaredResult chi = ChiSquaredHomogeneity(
      {{"A", 500, 50}, {"B", 400, 40}, {"C", 20, 2}, {"D", 15, 3}, {"E", 20, 1}});
  ASSERT_EQ(chi.categories.size(), 3u);
  EXPECT_EQ(chi.categories[2].category, kRareCategory);
  EXPECT_EQ(chi.categories[2].reference, 55);
  EXPECT_EQ(chi.categories[2].current, 6);
  EXPECT_EQ(chi.degrees_of_freedom, 2);
  EXPECT_GT(chi.p_value, 0.5);  // the same mix
}

TEST(StatisticsTest, ChiSquaredAddsATinyPoolToTheLeastFrequentCategory) {
  // One stray case of a new category must not alone make a chi-squared alarm.
  ChiSquaredResult chi = ChiSquaredHomogeneity({{"A", 5000, 60}, {"B", 5000, 39}, {"Z", 0, 1}});
  ASSERT_EQ(chi.categories.size(), 2u);
  EXPECT_EQ(chi.categories[1].category, kRareCategory);
  EXPECT_EQ(chi.categories[1].current, 40);
  EXPECT_GT(chi.p_value, 0.01);
}

TEST(StatisticsTest, ChiSquaredShowsAFrequentNewCategoryByName) {
  ChiSquaredResult chi =
      ChiSquaredHomogeneity({{"Acme", 600, 100}, {"Globex", 400, 60}, {"Initech", 0, 40}});
  ASSERT_EQ(chi.categories.size(), 3u);
  EXPECT_EQ(chi.categories[2].category, "Initech");
  EXPECT_LT(chi.p_value, 1e-10);
}

TEST(StatisticsTest, ChiSquaredWithOneSideEmptyTestsNothing) {
  ChiSquaredResult chi = ChiSquaredHomogeneity({{"A", 10, 0}, {"B", 5, 0}});
  EXPECT_EQ(chi.degrees_of_freedom, 0);
  EXPECT_EQ(chi.p_value, 1);
}

TEST(StatisticsTest, JensenShannonOnHandComputedDistributions) {
  EXPECT_EQ(JensenShannon({1, 2, 3}, {2, 4, 6}), 0);  // normalised: the same distribution
  EXPECT_NEAR(JensenShannon({1, 0}, {0, 1}), 1, 1e-12);
  // P = (½, ½), Q = (1, 0): M = (¾, ¼); KL(P‖M) = ½·log₂(⅔) + ½·log₂(2) = 0.207519,
  // KL(Q‖M) = log₂(4/3) = 0.415037; JS = ½(0.207519 + 0.415037) = 0.311278.
  EXPECT_NEAR(JensenShannon({0.5, 0.5}, {1, 0}), 0.3112781, 1e-7);
  EXPECT_NEAR(JensenShannon({0.2, 0.3, 0.5}, {0.5, 0.3, 0.2}), 0.0958156, 1e-7);
  EXPECT_EQ(JensenShannon({0, 0}, {1, 2}), 0);
}

TEST(StatisticsTest, TwoProportionTestOnAHandComputedExample) {
  // 50/100 against 35/100: pooled 0.425, se = √(0.425·0.575·0.02) = 0.069912, z = −2.145596;
  // two-sided p = 0.031905, one-sided (drop) 0.015953.
  ProportionTest both = TwoProportionTest(100, 50, 100, 35, Direction::kBoth);
  EXPECT_NEAR(both.z, -2.145596, 1e-6);
  EXPECT_NEAR(both.p_value, 0.0319053, 1e-7);
  EXPECT_NEAR(both.difference, -0.15, 1e-12);
  EXPECT_NEAR(TwoProportionTest(100, 50, 100, 35, Direction::kDrop).p_value, 0.0159526, 1e-7);
  EXPECT_NEAR(TwoProportionTest(100, 50, 100, 35, Direction::kRise).p_value, 1 - 0.0159526, 1e-7);
}

TEST(StatisticsTest, TwoProportionTestWithoutEvidenceIsOne) {
  EXPECT_EQ(TwoProportionTest(0, 0, 100, 40, Direction::kBoth).p_value, 1);
  EXPECT_EQ(TwoProportionTest(100, 100, 50, 50, Direction::kBoth).p_value, 1);  // pooled 1
}

}  // namespace
}  // namespace flowline::monitor
