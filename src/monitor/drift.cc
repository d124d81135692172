#include "monitor/drift.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace flowline::monitor {
namespace {

// PSI over deciles of the reference: the usual choice (10 bins of 10%), and what the 0.1/0.2
// rules of thumb for PSI were made with.
constexpr int kPsiBins = 10;
// Categories shown side by side; the rest are summed into one row.
constexpr size_t kShownCategories = 15;
constexpr size_t kShownNewCategories = 10;
constexpr char kAllOthers[] = "(all others)";

std::string Number(double x) { return absl::StrFormat("%.3g", x); }
std::string Percent(double share) { return absl::StrFormat("%.1f%%", 100 * share); }
std::string PValue(double p) { return p < 1e-4 ? std::string("< 0.0001") : Number(p); }

double Median(const std::vector<WeightedValue>& values) {
  int64_t total = 0;
  for (const WeightedValue& v : values) total += v.count;
  int64_t seen = 0;
  for (const WeightedValue& v : values) {
    seen += v.count;
    if (2 * seen >= total) return v.value;
  }
  return 0;
}

// True (and `out` says so) when a window has fewer than `minimum` values to test.
bool TooFew(int64_t minimum, const char* what, FeatureDrift& out) {
  if (out.reference_n >= minimum && out.current_n >= minimum) return false;
  out.status = DriftStatus::kInsufficientData;
  out.summary =
      absl::StrCat(out.reference_n, " ", what, " in the reference window and ", out.current_n,
                   " in the recent one; at least ", minimum, " are needed in each to test");
  return true;
}

void TestNumeric(const FeatureSpec& feature, const FeatureHistogram& reference,
                 const FeatureHistogram& current, FeatureDrift& out) {
  const DriftThresholds& t = feature.thresholds;
  out.test = "psi+ks";
  if (TooFew(t.min_samples, "values", out)) return;
  const std::vector<WeightedValue> ref = reference.Values();
  const std::vector<WeightedValue> cur = current.Values();
  const PsiResult psi = PopulationStabilityIndex(ref, cur, kPsiBins);
  const KsResult ks = KolmogorovSmirnov(ref, cur);
  const bool psi_beyond = psi.psi >= t.psi;
  const bool ks_beyond = ks.p_value < t.p_value;
  out.statistics = {{"psi", psi.psi, t.psi, psi_beyond},
                    {"ks_d", ks.statistic, std::nullopt, false},
                    {"ks_p", ks.p_value, t.p_value, ks_beyond}};
  out.status = psi_beyond && ks_beyond ? DriftStatus::kDrift : DriftStatus::kOk;

  const double low = std::min(ref.front().value, cur.front().value);
  const double high = std::max(ref.back().value, cur.back().value);
  Json bins = Json::array();
  for (const PsiBin& bin : psi.bins) {
    bins.push_back({{"lower", std::isinf(bin.lower) ? low : bin.lower},
                    {"upper", std::isinf(bin.upper) ? high : bin.upper},
                    {"reference", bin.reference_share},
                    {"current", bin.current_share}});
  }
  const double reference_median = Median(ref);
  const double current_median = Median(cur);
  out.distribution = {{"bins", std::move(bins)},
                      {"reference_median", reference_median},
                      {"current_median", current_median}};
  out.summary =
      absl::StrCat("PSI ", Number(psi.psi), psi_beyond ? " >= " : " < ", Number(t.psi), ", KS p ",
                   PValue(ks.p_value), ks_beyond ? " < " : " >= ", Number(t.p_value), "; median ",
                   Number(current_median), " (reference ", Number(reference_median), ")");
}

void TestCategorical(const FeatureSpec& feature, const FeatureHistogram& reference,
                     const FeatureHistogram& current, FeatureDrift& out) {
  const DriftThresholds& t = feature.thresholds;
  out.test = "chi2+js";
  if (TooFew(t.min_samples, "values", out)) return;
  std::map<std::string, CategoryCount> merged;
  for (const auto& [category, count] : reference.categories()) {
    merged[category] = {category, count, 0};
  }
  for (const auto& [category, count] : current.categories()) {
    CategoryCount& c = merged[category];
    c.category = category;
    c.current = count;
  }
  std::vector<CategoryCount> counts;
  for (auto& [name, count] : merged) counts.push_back(count);

  const ChiSquaredResult chi = ChiSquaredHomogeneity(counts);
  std::vector<double> p;
  std::vector<double> q;
  for (const CategoryCount& c : chi.categories) {
    p.push_back(static_cast<double>(c.reference));
    q.push_back(static_cast<double>(c.current));
  }
  const double js = JensenShannon(p, q);
  const bool js_beyond = js >= t.js;
  const bool chi_beyond = chi.p_value < t.p_value;
  out.statistics = {{"chi2", chi.statistic, std::nullopt, false},
                    {"chi2_p", chi.p_value, t.p_value, chi_beyond},
                    {"js", js, t.js, js_beyond}};
  out.status = js_beyond && chi_beyond ? DriftStatus::kDrift : DriftStatus::kOk;

  // For people: the largest categories by name, each window's share, and what is new.
  const double reference_total = static_cast<double>(out.reference_n);
  const double current_total = static_cast<double>(out.current_n);
  std::sort(counts.begin(), counts.end(), [&](const CategoryCount& a, const CategoryCount& b) {
    const double sa = a.reference / reference_total + a.current / current_total;
    const double sb = b.reference / reference_total + b.current / current_total;
    return sa != sb ? sa > sb : a.category < b.category;
  });
  Json shown = Json::array();
  CategoryCount others{kAllOthers, 0, 0};
  std::string largest_change;
  double largest = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const CategoryCount& c = counts[i];
    const double rs = c.reference / reference_total;
    const double cs = c.current / current_total;
    if (std::fabs(cs - rs) > largest) {
      largest = std::fabs(cs - rs);
      largest_change = absl::StrCat("'", c.category, "' ", Percent(rs), " -> ", Percent(cs));
    }
    if (i < kShownCategories) {
      shown.push_back({{"category", c.category},
                       {"reference", rs},
                       {"current", cs},
                       {"new", c.reference == 0}});
    } else {
      others.reference += c.reference;
      others.current += c.current;
    }
  }
  if (others.reference + others.current > 0) {
    shown.push_back({{"category", kAllOthers},
                     {"reference", others.reference / reference_total},
                     {"current", others.current / current_total},
                     {"new", false}});
  }
  std::vector<CategoryCount> fresh;
  for (const CategoryCount& c : counts) {
    if (c.reference == 0 && c.current > 0) fresh.push_back(c);
  }
  std::sort(fresh.begin(), fresh.end(), [](const CategoryCount& a, const CategoryCount& b) {
    return a.current != b.current ? a.current > b.current : a.category < b.category;
  });
  Json new_categories = Json::array();
  std::vector<std::string> new_names;
  for (size_t i = 0; i < fresh.size() && i < kShownNewCategories; ++i) {
    new_categories.push_back({{"category", fresh[i].category}, {"count", fresh[i].current}});
    new_names.push_back(
        absl::StrCat("'", fresh[i].category, "' ", Percent(fresh[i].current / current_total)));
  }
  out.distribution = {{"categories", std::move(shown)},
                      {"new_categories", std::move(new_categories)}};
  out.summary =
      absl::StrCat("JS ", Number(js), js_beyond ? " >= " : " < ", Number(t.js), ", chi-squared p ",
                   PValue(chi.p_value), chi_beyond ? " < " : " >= ", Number(t.p_value));
  if (!largest_change.empty()) absl::StrAppend(&out.summary, "; largest change ", largest_change);
  if (!new_names.empty()) {
    absl::StrAppend(&out.summary, "; new: ", absl::StrJoin(new_names, ", "));
  }
}

void TestRate(const FeatureSpec& feature, const FeatureHistogram& reference,
              const FeatureHistogram& current, FeatureDrift& out) {
  const DriftThresholds& t = feature.thresholds;
  out.test = "two_proportion";
  if (TooFew(t.min_rate_samples, "cases", out)) return;
  const ProportionTest test = TwoProportionTest(out.reference_n, reference.hits(), out.current_n,
                                                current.hits(), feature.direction);
  bool moved = false;
  switch (feature.direction) {
    case Direction::kBoth:
      moved = std::fabs(test.difference) >= t.rate_change;
      break;
    case Direction::kDrop:
      moved = -test.difference >= t.rate_change;
      break;
    case Direction::kRise:
      moved = test.difference >= t.rate_change;
      break;
  }
  const bool significant = test.p_value < t.rate_p_value;
  out.statistics = {{"rate_change", test.difference, t.rate_change, moved},
                    {"p", test.p_value, t.rate_p_value, significant}};
  out.status = moved && significant ? DriftStatus::kDrift : DriftStatus::kOk;
  out.distribution = {{"reference_rate", test.reference_rate},
                      {"current_rate", test.current_rate},
                      {"reference_trials", out.reference_n},
                      {"current_trials", out.current_n}};
  out.summary = absl::StrCat(
      "rate ", Percent(test.current_rate), " (reference ", Percent(test.reference_rate),
      ", change ", absl::StrFormat("%+.1f", 100 * test.difference), " points",
      moved ? " >= " : " < ", Number(100 * t.rate_change), "), p ", PValue(test.p_value),
      significant ? " < " : " >= ", Number(t.rate_p_value));
}

}  // namespace

const char* DriftStatusName(DriftStatus status) {
  switch (status) {
    case DriftStatus::kOk:
      return "ok";
    case DriftStatus::kDrift:
      return "drift";
    case DriftStatus::kInsufficientData:
      return "insufficient_data";
    case DriftStatus::kWarmingUp:
      return "warming_up";
  }
  return "ok";
}

Json FeatureDrift::ToJson() const {
  Json stats = Json::array();
  for (const DriftStatistic& s : statistics) {
    Json one = {{"name", s.name}, {"value", s.value}, {"beyond", s.beyond}};
    one["threshold"] = s.threshold.has_value() ? Json(*s.threshold) : Json(nullptr);
    stats.push_back(std::move(one));
  }
  return Json{{"feature", feature},
              {"from", from},
              {"type", FeatureTypeName(type)},
              {"test", test},
              {"status", DriftStatusName(status)},
              {"summary", summary},
              {"statistics", std::move(stats)},
              {"reference_n", reference_n},
              {"current_n", current_n},
              {"reference_missing", reference_missing},
              {"current_missing", current_missing},
              {"distribution", distribution}};
}

FeatureDrift NotTested(const FeatureSpec& feature, DriftStatus status, std::string summary) {
  FeatureDrift out;
  out.feature = feature.name;
  out.from = feature.from;
  out.type = feature.type;
  out.test = feature.type == FeatureType::kRate          ? "two_proportion"
             : feature.type == FeatureType::kCategorical ? "chi2+js"
                                                         : "psi+ks";
  out.status = status;
  out.summary = std::move(summary);
  return out;
}

FeatureDrift EvaluateDrift(const FeatureSpec& feature, const FeatureHistogram& reference,
                           const FeatureHistogram& current) {
  FeatureDrift out = NotTested(feature, DriftStatus::kOk, "");
  out.reference_n = reference.count();
  out.current_n = current.count();
  out.reference_missing = reference.missing();
  out.current_missing = current.missing();
  switch (feature.type) {
    case FeatureType::kNumeric:
    case FeatureType::kConfidence:
      TestNumeric(feature, reference, current, out);
      break;
    case FeatureType::kCategorical:
      TestCategorical(feature, reference, current, out);
      break;
    case FeatureType::kRate:
      TestRate(feature, reference, current, out);
      break;
  }
  return out;
}

}  // namespace flowline::monitor
