#include "samples/risk_history.h"

#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "samples/rng.h"

namespace flowline::samples {
namespace {

// Countries by share of sign-ups; the last three are offshore centres the history treats as
// higher risk.
const std::vector<std::pair<std::string, double>>& Countries() {
  static const auto* countries = new std::vector<std::pair<std::string, double>>{
      {"DE", 28}, {"FR", 11}, {"NL", 9}, {"ES", 8}, {"IT", 8}, {"GB", 8}, {"PL", 6},   {"US", 6},
      {"AT", 4},  {"CH", 3},  {"BE", 3}, {"IE", 2}, {"IN", 2}, {"PA", 1}, {"KY", 0.6}, {"VG", 0.4}};
  return *countries;
}

bool Offshore(const std::string& country) {
  return country == "PA" || country == "KY" || country == "VG";
}

const std::string& PickWeighted(Rng& rng,
                                const std::vector<std::pair<std::string, double>>& items) {
  double total = 0;
  for (const auto& [name, weight] : items) total += weight;
  double at = rng.Real(0, total);
  for (const auto& [name, weight] : items) {
    if (at < weight) return name;
    at -= weight;
  }
  return items.back().first;
}

}  // namespace

const std::vector<std::string>& RiskHistoryFeatures() {
  static const auto* features = new std::vector<std::string>{"age",
                                                             "country",
                                                             "document_type",
                                                             "document_days_to_expiry",
                                                             "email_domain",
                                                             "sanctions_similarity",
                                                             "existing_customer",
                                                             "expected_monthly_volume",
                                                             "id_confidence"};
  return *features;
}

std::string RiskHistoryCsv(const RiskHistoryOptions& options) {
  std::string csv =
      "customer_id,age,country,document_type,document_days_to_expiry,email_domain,"
      "sanctions_similarity,existing_customer,expected_monthly_volume,id_confidence,outcome\n";
  for (int i = 0; i < options.count; ++i) {
    Rng rng = Rng::ForDocument(options.seed, static_cast<uint64_t>(i));
    const int64_t age = rng.Chance(0.2) ? rng.Int(18, 25) : rng.Int(18, 85);
    const std::string& country = PickWeighted(rng, Countries());
    const char* document_type = rng.Chance(0.45) ? "passport" : "id_card";
    const int64_t days_to_expiry = rng.Chance(0.05)   ? rng.Int(-400, -1)
                                   : rng.Chance(0.08) ? rng.Int(0, 60)
                                                      : rng.Int(61, 3650);
    const double domain_draw = rng.Uniform();
    const char* email_domain = domain_draw < 0.35   ? "corporate"
                               : domain_draw < 0.93 ? "free"
                                                    : "disposable";
    const double sanctions = rng.Chance(0.03) ? rng.Real(0.75, 1.0) : rng.Real(0, 0.45);
    const int existing = rng.Chance(0.04) ? 1 : 0;
    const double volume =
        rng.Chance(0.03) ? rng.Real(50000, 250000) : 200 * std::exp(rng.Real(0, 4.5));
    const double id_confidence = rng.Chance(0.1) ? rng.Real(0.3, 0.7) : rng.Real(0.7, 1.0);

    // The outcome's log-odds: the structure a model is meant to find.
    double logit = -2.9;
    logit += 5.0 * std::max(0.0, sanctions - 0.5) / 0.5;
    logit += email_domain[0] == 'd' ? 2.0 : (email_domain[0] == 'c' ? -0.8 : 0);
    logit += existing * 1.8;
    logit += 4.0 * std::max(-0.4, 0.85 - id_confidence);
    logit += days_to_expiry < 0 ? 1.8 : (days_to_expiry <= 60 ? 0.8 : 0);
    logit += 0.7 * std::log10(volume / 1000);
    logit += Offshore(country) ? 1.8 : 0;
    logit += age < 25 ? 0.8 : 0;
    const double p_bad = 1 / (1 + std::exp(-logit));
    const bool bad = rng.Uniform() < p_bad;

    absl::StrAppend(&csv, absl::StrFormat("C%06d", i + 1), ",", age, ",", country, ",",
                    document_type, ",", days_to_expiry, ",", email_domain, ",",
                    absl::StrFormat("%.2f", sanctions), ",", existing, ",",
                    absl::StrFormat("%.0f", volume), ",", absl::StrFormat("%.2f", id_confidence),
                    ",", bad ? "bad" : "good", "\n");
  }
  return csv;
}

}  // namespace flowline::samples
