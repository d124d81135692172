#include "monitor/statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace flowline::monitor {
namespace {

constexpr double kEpsilon = 1e-15;
constexpr int kMaxIterations = 1000;

int64_t Total(const std::vector<WeightedValue>& sample) {
  int64_t total = 0;
  for (const WeightedValue& v : sample) total += v.count;
  return total;
}

// Q(a, x) by its series (converges fast for x < a + 1): 1 − γ(a, x)/Γ(a).
double GammaQBySeries(double a, double x) {
  double term = 1.0 / a;
  double sum = term;
  double denominator = a;
  for (int i = 0; i < kMaxIterations; ++i) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEpsilon) break;
  }
  const double p = sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
  return std::clamp(1.0 - p, 0.0, 1.0);
}

// Q(a, x) by its continued fraction (for x >= a + 1), evaluated with the modified Lentz method
// (Numerical Recipes 6.2).
double GammaQByContinuedFraction(double a, double x) {
  constexpr double kTiny = std::numeric_limits<double>::min() / kEpsilon;
  double b = x + 1 - a;
  double c = 1 / kTiny;
  double d = 1 / b;
  double h = d;
  for (int i = 1; i < kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < kEpsilon) break;
  }
  return std::clamp(std::exp(-x + a * std::log(x) - std::lgamma(a)) * h, 0.0, 1.0);
}

}  // namespace

std::vector<WeightedValue> ToWeighted(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  std::vector<WeightedValue> out;
  for (double value : values) {
    if (!out.empty() && out.back().value == value) {
      ++out.back().count;
    } else {
      out.push_back({value, 1});
    }
  }
  return out;
}

double NormalUpperTail(double z) { return 0.5 * std::erfc(z / std::numbers::sqrt2); }

double RegularizedGammaQ(double a, double x) {
  if (x <= 0) return 1.0;
  if (x < a + 1) return GammaQBySeries(a, x);
  return GammaQByContinuedFraction(a, x);
}

double ChiSquaredSurvival(double statistic, int df) {
  if (df < 1 || statistic <= 0) return 1.0;
  return RegularizedGammaQ(df / 2.0, statistic / 2.0);
}

double KolmogorovSurvival(double lambda) {
  if (lambda <= 0.04) return 1.0;  // Q(0.04) = 1 − 1e-300
  if (lambda < 1.18) {
    // The theta-function form converges in a few terms where the alternating series does not:
    // P(K <= λ) = √(2π)/λ · Σ_{j>=1} exp(−(2j−1)²π²/(8λ²)).
    const double y = std::exp(-std::numbers::pi * std::numbers::pi / (8 * lambda * lambda));
    double sum = 0;
    for (int j = 1; j < kMaxIterations; ++j) {
      const double term = std::pow(y, (2 * j - 1) * (2 * j - 1));
      sum += term;
      if (term < kEpsilon * sum) break;
    }
    return std::clamp(1.0 - std::sqrt(2 * std::numbers::pi) / lambda * sum, 0.0, 1.0);
  }
  const double x = std::exp(-2 * lambda * lambda);
  double sum = 0;
  for (int j = 1; j < kMaxIterations; ++j) {
    const double term = std::pow(x, j * j);
    sum += (j % 2 == 1) ? term : -term;
    if (term < kEpsilon * std::fabs(sum)) break;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

KsResult KolmogorovSmirnov(const std::vector<WeightedValue>& reference,
                           const std::vector<WeightedValue>& current) {
  KsResult result;
  result.reference_n = Total(reference);
  result.current_n = Total(current);
  if (result.reference_n == 0 || result.current_n == 0) return result;
  const double n = static_cast<double>(result.reference_n);
  const double m = static_cast<double>(result.current_n);
  // Walk both samples in value order; the CDFs are compared after every distinct value (ties
  // across the samples move both CDFs at once, as the statistic requires).
  size_t i = 0;
  size_t j = 0;
  int64_t below_reference = 0;
  int64_t below_current = 0;
  double d = 0;
  while (i < reference.size() || j < current.size()) {
    double value = std::numeric_limits<double>::infinity();
    if (i < reference.size()) value = reference[i].value;
    if (j < current.size()) value = std::min(value, current[j].value);
    while (i < reference.size() && reference[i].value == value)
      below_reference += reference[i++].count;
    while (j < current.size() && current[j].value == value) below_current += current[j++].count;
    d = std::max(d, std::fabs(below_reference / n - below_current / m));
  }
  result.statistic = d;
  const double root = std::sqrt(n * m / (n + m));
  result.p_value = KolmogorovSurvival((root + 0.12 + 0.11 / root) * d);
  return result;
}

std::vector<double> QuantileEdges(const std::vector<WeightedValue>& reference, int bins) {
  std::vector<double> edges;
  const int64_t total = Total(reference);
  if (total == 0 || bins < 2) return edges;
  int64_t cumulative = 0;
  int next = 1;  // the next cut: where the cumulative share reaches next/bins
  for (const WeightedValue& v : reference) {
    cumulative += v.count;
    // Integer comparison: cumulative/total >= next/bins without rounding.
    while (next < bins && cumulative * bins >= static_cast<int64_t>(next) * total) {
      if (edges.empty() || edges.back() != v.value) edges.push_back(v.value);
      ++next;
    }
  }
  return edges;
}

PsiResult PopulationStabilityIndex(const std::vector<WeightedValue>& reference,
                                   const std::vector<WeightedValue>& current, int bins) {
  PsiResult result;
  const int64_t reference_total = Total(reference);
  const int64_t current_total = Total(current);
  if (reference_total == 0 || current_total == 0) return result;
  const std::vector<double> edges = QuantileEdges(reference, bins);
  result.bins.resize(edges.size() + 1);
  for (size_t b = 0; b < result.bins.size(); ++b) {
    result.bins[b].lower = b == 0 ? -std::numeric_limits<double>::infinity() : edges[b - 1];
    result.bins[b].upper = b < edges.size() ? edges[b] : std::numeric_limits<double>::infinity();
  }
  // Bin b holds (edges[b-1], edges[b]]: the first edge not below the value.
  auto bin_of = [&edges](double value) {
    return static_cast<size_t>(std::lower_bound(edges.begin(), edges.end(), value) - edges.begin());
  };
  for (const WeightedValue& v : reference) result.bins[bin_of(v.value)].reference_count += v.count;
  for (const WeightedValue& v : current) result.bins[bin_of(v.value)].current_count += v.count;
  for (PsiBin& bin : result.bins) {
    bin.reference_share = static_cast<double>(bin.reference_count) / reference_total;
    bin.current_share = static_cast<double>(bin.current_count) / current_total;
    const double p = std::max(bin.reference_share, kPsiEmptyShare);
    const double q = std::max(bin.current_share, kPsiEmptyShare);
    result.psi += (q - p) * std::log(q / p);
  }
  return result;
}

ChiSquaredResult ChiSquaredHomogeneity(std::vector<CategoryCount> counts, double min_expected) {
  ChiSquaredResult result;
  int64_t reference_total = 0;
  int64_t current_total = 0;
  for (const CategoryCount& c : counts) {
    reference_total += c.reference;
    current_total += c.current;
  }
  std::sort(counts.begin(), counts.end(), [](const CategoryCount& a, const CategoryCount& b) {
    const int64_t ta = a.reference + a.current;
    const int64_t tb = b.reference + b.current;
    return ta != tb ? ta > tb : a.category < b.category;
  });
  std::erase_if(counts, [](const CategoryCount& c) { return c.reference + c.current == 0; });
  if (reference_total == 0 || current_total == 0) {
    result.categories = std::move(counts);
    return result;
  }
  const double total = static_cast<double>(reference_total + current_total);
  const double smaller = static_cast<double>(std::min(reference_total, current_total));
  // The smaller sample has the smaller expected count in every category.
  auto expected_ok = [&](const CategoryCount& c) {
    return static_cast<double>(c.reference + c.current) * smaller / total >= min_expected;
  };
  CategoryCount pool{kRareCategory, 0, 0};
  for (CategoryCount& c : counts) {
    if (expected_ok(c)) {
      result.categories.push_back(std::move(c));
    } else {
      pool.reference += c.reference;
      pool.current += c.current;
    }
  }
  if (pool.reference + pool.current > 0) {
    if (expected_ok(pool) || result.categories.empty()) {
      result.categories.push_back(pool);
    } else {
      CategoryCount& least = result.categories.back();
      least.category = kRareCategory;
      least.reference += pool.reference;
      least.current += pool.current;
    }
  }
  if (result.categories.size() < 2) return result;
  for (const CategoryCount& c : result.categories) {
    const double column = static_cast<double>(c.reference + c.current);
    const double expected_reference = column * reference_total / total;
    const double expected_current = column * current_total / total;
    result.statistic += std::pow(c.reference - expected_reference, 2) / expected_reference;
    result.statistic += std::pow(c.current - expected_current, 2) / expected_current;
  }
  result.degrees_of_freedom = static_cast<int>(result.categories.size()) - 1;
  result.p_value = ChiSquaredSurvival(result.statistic, result.degrees_of_freedom);
  return result;
}

double JensenShannon(const std::vector<double>& p, const std::vector<double>& q) {
  const size_t n = std::min(p.size(), q.size());
  double p_total = 0;
  double q_total = 0;
  for (size_t i = 0; i < n; ++i) {
    p_total += p[i];
    q_total += q[i];
  }
  if (p_total <= 0 || q_total <= 0) return 0;
  double divergence = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = p[i] / p_total;
    const double b = q[i] / q_total;
    const double m = (a + b) / 2;
    if (a > 0) divergence += 0.5 * a * std::log2(a / m);
    if (b > 0) divergence += 0.5 * b * std::log2(b / m);
  }
  return std::clamp(divergence, 0.0, 1.0);
}

ProportionTest TwoProportionTest(int64_t reference_n, int64_t reference_hits, int64_t current_n,
                                 int64_t current_hits, Direction direction) {
  ProportionTest test;
  if (reference_n <= 0 || current_n <= 0) return test;
  test.reference_rate = static_cast<double>(reference_hits) / reference_n;
  test.current_rate = static_cast<double>(current_hits) / current_n;
  test.difference = test.current_rate - test.reference_rate;
  const double pooled =
      static_cast<double>(reference_hits + current_hits) / (reference_n + current_n);
  const double se = std::sqrt(pooled * (1 - pooled) * (1.0 / reference_n + 1.0 / current_n));
  if (se <= 0) return test;
  test.z = test.difference / se;
  switch (direction) {
    case Direction::kBoth:
      test.p_value = std::min(1.0, 2 * NormalUpperTail(std::fabs(test.z)));
      break;
    case Direction::kDrop:
      test.p_value = NormalUpperTail(-test.z);
      break;
    case Direction::kRise:
      test.p_value = NormalUpperTail(test.z);
      break;
  }
  return test;
}

}  // namespace flowline::monitor
