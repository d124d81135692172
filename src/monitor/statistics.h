// The statistics of drift detection (docs/drift.md): comparing a feature's reference
// distribution with its current one.
//
//   numeric      Population Stability Index (PSI) over bins cut at the reference's quantiles,
//                and the two-sample Kolmogorov–Smirnov test (statistic D, asymptotic p-value)
//   categorical  chi-squared test of homogeneity (rare categories pooled) and the
//                Jensen–Shannon divergence of the category shares
//   rates        the two-proportion z-test (straight-through rate, audit-sample accuracy)
//
// Samples are given as (value, count) pairs so that the histograms drift detection keeps
// (monitor/histogram.h) are tested without expanding them; a plain sample is the same with every
// count 1. Every function is pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowline::monitor {

// `count` observations of `value`.
struct WeightedValue {
  double value = 0;
  int64_t count = 0;
};

// A plain sample as WeightedValues: sorted, equal values merged.
std::vector<WeightedValue> ToWeighted(std::vector<double> values);

// ---- Distributions ----------------------------------------------------------------------------

// P(Z > z) for a standard normal Z.
double NormalUpperTail(double z);
// The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for a > 0, x >= 0.
double RegularizedGammaQ(double a, double x);
// P(X >= statistic) for X chi-squared with `df` >= 1 degrees of freedom.
double ChiSquaredSurvival(double statistic, int df);
// The Kolmogorov distribution's survival function Q(λ) = 2 Σ_{j>=1} (-1)^(j-1) exp(-2 j² λ²):
// the asymptotic probability that √n·D exceeds λ.
double KolmogorovSurvival(double lambda);

// ---- Numeric features -------------------------------------------------------------------------

struct KsResult {
  double statistic = 0;  // D: the largest distance between the two empirical CDFs, in [0, 1]
  double p_value = 1;    // asymptotic, with Stephens' small-sample correction
  int64_t reference_n = 0;
  int64_t current_n = 0;
};

// The two-sample Kolmogorov–Smirnov test. `reference` and `current` must be sorted by value
// (ToWeighted does that). The p-value is Q((√nₑ + 0.12 + 0.11/√nₑ)·D) with nₑ = n·m/(n+m)
// (Stephens 1970; Numerical Recipes 14.3): within about 0.005 of the exact value from ~10
// samples each. An empty sample gives D = 0, p = 1.
KsResult KolmogorovSmirnov(const std::vector<WeightedValue>& reference,
                           const std::vector<WeightedValue>& current);

// The share given to an empty PSI bin, so that ln(q/p) stays finite: 0.0001 (one in 10,000).
// A bin the current window leaves empty then adds about p·ln(p/0.0001) (0.69 for p = 0.1).
inline constexpr double kPsiEmptyShare = 1e-4;

struct PsiBin {
  double lower = 0;  // exclusive; -inf for the first bin
  double upper = 0;  // inclusive; +inf for the last bin
  int64_t reference_count = 0;
  int64_t current_count = 0;
  double reference_share = 0;
  double current_share = 0;
};

struct PsiResult {
  double psi = 0;
  std::vector<PsiBin> bins;
};

// The cut points of `bins` equally populated bins of the (sorted) reference: the smallest values
// whose cumulative share reaches 1/bins, 2/bins, ... Repeated values give repeated cuts, which
// are merged, so ties can leave fewer bins.
std::vector<double> QuantileEdges(const std::vector<WeightedValue>& reference, int bins);

// PSI = Σ (qᵢ − pᵢ)·ln(qᵢ/pᵢ) over the bins cut at QuantileEdges(reference, bins), with pᵢ the
// reference's share and qᵢ the current's (an empty bin's share is kPsiEmptyShare). Samples sorted
// by value. Empty samples give PSI 0 and no bins.
PsiResult PopulationStabilityIndex(const std::vector<WeightedValue>& reference,
                                   const std::vector<WeightedValue>& current, int bins = 10);

// ---- Categorical features ---------------------------------------------------------------------

// The name chi-squared gives the pool of rare categories.
inline constexpr char kRareCategory[] = "(rare)";

struct CategoryCount {
  std::string category;
  int64_t reference = 0;
  int64_t current = 0;
};

struct ChiSquaredResult {
  double statistic = 0;
  int degrees_of_freedom = 0;  // categories tested − 1; 0: nothing to test (p = 1)
  double p_value = 1;
  // The categories tested, most frequent first; the rare ones pooled as kRareCategory.
  std::vector<CategoryCount> categories;
};

// The chi-squared test of homogeneity of two samples' category counts (a 2 x k table).
// A category whose expected count in either sample is under `min_expected` (default 5, the
// usual rule for the chi-squared approximation) is pooled with the other rare ones; a pool that
// is itself under it is added to the least frequent category kept. A category new in `current`
// (0 in the reference) stays its own category once it is frequent enough, so a brand-new vendor
// with a real share shows by name.
ChiSquaredResult ChiSquaredHomogeneity(std::vector<CategoryCount> counts, double min_expected = 5);

// The Jensen–Shannon divergence of two distributions given as counts (or shares) over the same
// categories, in bits: 0 for equal distributions, 1 for disjoint ones. Each side is normalised
// here; an all-zero side gives 0.
double JensenShannon(const std::vector<double>& p, const std::vector<double>& q);

// ---- Rates ------------------------------------------------------------------------------------

enum class Direction {
  kBoth,  // any change
  kDrop,  // only a fall of the current rate below the reference
  kRise,  // only a rise
};

struct ProportionTest {
  double reference_rate = 0;
  double current_rate = 0;
  double difference = 0;  // current − reference
  double z = 0;
  double p_value = 1;  // one-sided for kDrop/kRise, two-sided for kBoth
};

// The two-proportion z-test with the pooled standard error: did the rate of `current_hits` in
// `current_n` trials change from `reference_hits` in `reference_n`? With no trials on a side,
// or a pooled rate of 0 or 1, there is no evidence of change: p = 1.
ProportionTest TwoProportionTest(int64_t reference_n, int64_t reference_hits, int64_t current_n,
                                 int64_t current_hits, Direction direction);

}  // namespace flowline::monitor
